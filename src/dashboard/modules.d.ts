// The dashboard's browser files are bundled as text modules (wrangler.toml [[rules]]) and served
// by src/routes/dashboard.ts; these declarations give those imports their type.

declare module "../dashboard/ui/*" {
  const text: string;
  export default text;
}

declare module "uplot/dist/uPlot.iife.min.js" {
  const text: string;
  export default text;
}

declare module "uplot/dist/uPlot.min.css" {
  const text: string;
  export default text;
}

declare module "*/@scalar/api-reference/dist/browser/standalone.js" {
  const text: string;
  export default text;
}
