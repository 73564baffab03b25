/** uPlot, loaded by index.html from the `uplot` npm package (served by the Worker). */
export default /** @type {any} */ (globalThis).uPlot;
