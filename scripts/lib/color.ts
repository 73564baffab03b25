import { styleText } from "node:util";

/**
 * Colour through Node's own util.styleText, decided per stream. node:util is also there in
 * workerd (nodejs_compat), where the end-to-end tests format the same lines.
 */

type Style = Parameters<typeof styleText>[0];

/**
 * Whether `stream` takes colour, as Node decides it for styleText: a terminal with colours
 * (NO_COLOR, NODE_DISABLE_COLORS and TERM=dumb turn them off), or FORCE_COLOR.
 */
export function colorFor(stream: NodeJS.WritableStream): boolean {
  return styleText("red", "x", { stream }) !== "x";
}

/** Styles for text that goes to a stream with colour, or plain text when colour is off. */
export function palette(color: boolean) {
  const wrap = (format: Style) => (text: string) =>
    color ? styleText(format, text, { validateStream: false }) : text;
  return {
    bold: wrap("bold"),
    dim: wrap("dim"),
    red: wrap("red"),
    green: wrap("green"),
    yellow: wrap("yellow"),
    cyan: wrap("cyan"),
  };
}
