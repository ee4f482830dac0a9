// A thin React wrapper around one echarts instance: created on mount, given a complete option on
// every change (notMerge, so removed series disappear), resized with its box, disposed on unmount.

import { useEffect, useRef } from 'react';
import { echarts, type EChartsOption, type EChartsType } from './echarts.js';

export interface EChartProps {
  readonly option: EChartsOption;
  /** Pixels, or 'fill' to take the free height of a flex column (resized with it). */
  readonly height: number | 'fill';
  readonly onClick?: (params: { dataIndex: number; seriesIndex?: number }) => void;
  readonly testId?: string;
}

export function EChart({ option, height, onClick, testId }: EChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | undefined>(undefined);
  const clickHandler = useRef(onClick);
  clickHandler.current = onClick;

  useEffect(() => {
    const element = box.current;
    if (element === null) {
      return;
    }
    const instance = echarts.init(element, undefined, { renderer: 'canvas' });
    chart.current = instance;
    instance.on('click', (params) =>
      clickHandler.current?.(params as { dataIndex: number; seriesIndex?: number }),
    );
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true, lazyUpdate: true });
  }, [option]);

  return (
    <div
      ref={box}
      className={height === 'fill' ? 'echart echart-fill' : 'echart'}
      style={height === 'fill' ? undefined : { height }}
      data-testid={testId}
    />
  );
}
