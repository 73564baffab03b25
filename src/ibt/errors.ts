/** A recording that is truncated, corrupt or in a layout this reader does not support. */
export class IbtFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IbtFormatError";
  }
}
