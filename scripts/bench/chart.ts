import * as echarts from 'echarts';
import type { StormRow } from './storm';

interface Line {
  mode: StormRow['mode'];
  name: string;
  color: string;
  dashed?: boolean;
}

const LINES: Line[] = [
  { mode: 'node -e 0', name: 'bare `node -e 0` (the floor)', color: '#9e9e9e', dashed: true },
  { mode: 'fresh', name: 'fresh token', color: '#1e88e5' },
  { mode: 'coordinated', name: 'expired token, credshare coordination', color: '#43a047' },
  { mode: 'uncoordinated', name: 'expired token, coordination OFF (unsafe)', color: '#e53935' },
];

/**
 * Figure 5 as an SVG: wall time against N concurrent helper processes, log-log, one
 * line per mode; points where processes failed or the session was lost carry a label.
 * Rendered by ECharts' server-side SVG renderer (no DOM needed).
 */
export function stormChart(rows: StormRow[], subtitle: string): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 960, height: 560 });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: 'Wall time for N concurrent `credshare helper --protocol bazel get`', subtext: subtitle, left: 'center' },
    legend: { top: 72, data: LINES.filter((l) => rows.some((r) => r.mode === l.mode)).map((l) => l.name) },
    grid: { top: 120, left: 80, right: 170, bottom: 70 },
    xAxis: { type: 'log', logBase: 10, name: 'concurrent processes (N)', nameLocation: 'middle', nameGap: 35, minorTick: { show: true } },
    yAxis: { type: 'log', logBase: 10, name: 'wall time (s), all N done', nameLocation: 'middle', nameGap: 55 },
    series: LINES.filter((l) => rows.some((r) => r.mode === l.mode)).map((line) => ({
      name: line.name,
      type: 'line',
      color: line.color,
      lineStyle: { type: line.dashed ? 'dashed' : 'solid', width: 2 },
      symbolSize: 8,
      data: rows.filter((r) => r.mode === line.mode).map((r) => {
        const bad = r.failures > 0 || r.sessionsLost > 0;
        return {
          value: [r.processes, Number((r.wallMs / 1000).toFixed(3))],
          symbol: bad ? 'triangle' : 'circle',
          symbolSize: bad ? 14 : 8,
          label: bad
            ? { show: true, position: 'right', color: line.color, fontSize: 11, formatter: `${r.failures}/${r.processes} failed${r.sessionsLost ? ', session lost' : ''}` }
            : { show: false },
        };
      }),
    })),
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}
