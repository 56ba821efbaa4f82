/** The ml plots' Vega-Lite rendering, which lives below the plugins (src/plots/) so writers share it. */
export { PLOT_CONFIG, renderVegaLite } from '../../plots/render-vega-lite.js';
