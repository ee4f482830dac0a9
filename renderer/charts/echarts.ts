// The one gateway to echarts: registers only the chart types, components and renderer we use
// (tree-shaken build) and re-exports what the rest of the renderer needs. Import echarts from
// here, never from 'echarts' directly.

import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// Only the duration histogram is an echarts chart now (the time graphs are plain canvases,
// renderer/timeline/): a bar chart with a grid and a tooltip.
echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

export { echarts };
export type { EChartsType } from 'echarts/core';
export type { EChartsOption } from 'echarts';
