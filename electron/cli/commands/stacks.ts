// `etlscope stacks`: the stack views from the command line, built on the engine's StackQuery
// (the same one the app's stack panes send), printed as an indented tree or as JSON:
//   --dpc-isr  samples taken while a DPC/ISR ran, first level = module of the sampled address
//              (WPA: "DPC/ISR Usage by Module, Stack")
//   --cpu      every sample, first level = process (WPA: "Utilization by Process, Stack")
//   JSON: {"tree": {"name": "all", "samples", "weightMs", "children": [...]}} — frames root → leaf,
//   named module!function, each node {name, samples, weightMs, children}

import type { QueryFilter, StackResult, StackTreeNode } from '../../../shared/contract.js';
import type { TraceSession } from '../../engine/session-types.js';
import type { CliOptions } from '../args.js';
import { traceCommand } from '../command.js';
import { fixed, integer } from '../text-table.js';
import { filterFromOptions } from './common.js';

/** Nodes a CLI tree holds by default: everything a person or a script reads in one go. */
const CLI_MAX_NODES = 100_000;

export interface CliStackNode {
  readonly name: string;
  readonly samples: number;
  readonly weightMs: number;
  readonly children: CliStackNode[];
}

export interface StacksOutput {
  readonly result: StackResult;
  readonly tree: CliStackNode;
}

/** Children a node of the result left out (maxNodes, --depth), for the text form. */
function omittedOf(node: StackTreeNode, out: Map<CliStackNode, number>, plainNode: CliStackNode): void {
  if (node.omittedChildren !== undefined) out.set(plainNode, node.omittedChildren);
  (node.children ?? []).forEach((c, k) => omittedOf(c, out, plainNode.children[k]!));
}

export async function stacks(session: TraceSession, options: CliOptions): Promise<StacksOutput> {
  const base = filterFromOptions({ ...options, type: 'all' });
  const include: Record<string, readonly string[]> = { ...(base.include ?? {}) };
  if (options.process !== undefined) {
    const labels = await processLabels(session, options.process);
    if (labels.length === 0) throw new Error(`no process named "${options.process}" in the trace`);
    include.process = labels;
  }
  const filter: QueryFilter = {
    ...base,
    ...(Object.keys(include).length > 0 ? { include } : {}),
    ...(options.stackSet === 'dpc-isr' ? { exclude: { dpcIsr: ['-'] } } : {}),
  };
  const result = await session.query({
    kind: 'stacks',
    table: 'cpuSampled',
    filter,
    groupBy: [options.stackSet === 'dpc-isr' ? 'module' : 'process'],
    view: options.view,
    ...(options.focus !== undefined ? { focus: options.focus } : {}),
    ...(options.depth !== undefined ? { maxDepth: options.depth } : {}),
    maxNodes: options.maxNodes ?? CLI_MAX_NODES,
  });
  return { result, tree: plain(result.tree) };
}

/** Process labels ("name (pid)") of every process instance whose image name is `name`. */
async function processLabels(session: TraceSession, name: string): Promise<string[]> {
  const list = await session.query({ kind: 'list', table: 'processes', limit: 100_000 });
  const nameColumn = list.columns.indexOf('Process Name');
  const pidColumn = list.columns.indexOf('PID');
  const wanted = name.toLowerCase();
  return [
    ...new Set(
      list.rows
        .filter((row) => String(row[nameColumn]).toLowerCase() === wanted)
        .map((row) => `${row[nameColumn]} (${row[pidColumn]})`),
    ),
  ];
}

function plain(node: StackTreeNode): CliStackNode {
  return {
    name: node.name,
    samples: node.samples,
    weightMs: Number(node.weightMs.toFixed(6)),
    children: (node.children ?? []).map(plain),
  };
}

export function formatStacks(output: StacksOutput, fileName: string): string {
  const { result } = output;
  const what =
    result.groupBy[0] === 'module'
      ? 'DPC/ISR Usage by Module, Stack (samples taken in DPCs/ISRs, by module of the sampled address)'
      : 'Utilization by Process, Stack (every sample)';
  const lines = [`${fileName}: ${what}, ${result.view}`, ''];
  const total = Math.max(1e-9, result.tree.weightMs);
  const omitted = new Map<CliStackNode, number>();
  omittedOf(result.tree, omitted, output.tree);
  const walk = (node: CliStackNode, depth: number) => {
    const percent = (100 * node.weightMs) / total;
    lines.push(
      `${'  '.repeat(depth)}${node.name}  ${integer(node.samples)} samples, ${fixed(node.weightMs, 1)} ms, ${fixed(percent, 2)} %`,
    );
    for (const child of node.children) walk(child, depth + 1);
    const more = omitted.get(node);
    if (more !== undefined) lines.push(`${'  '.repeat(depth + 1)}… ${integer(more)} more`);
  };
  walk(output.tree, 0);
  if (result.rowsWithoutStack > 0)
    lines.push('', `${integer(result.rowsWithoutStack)} samples have no stack (shown as <no stack>).`);
  if (result.tree.samples === 0) lines.push('', 'No samples match.');
  return lines.join('\n');
}

export const stacksCommand = traceCommand(
  {
    name: 'stacks',
    files: 'one',
    namesFunctions: true,
    flags: [
      '--dpc-isr',
      '--cpu',
      '--view',
      '--focus',
      '--range',
      '--cpus',
      '--process',
      '--depth',
      '--max-nodes',
      '--json',
      '--symbols',
      '--workers',
    ],
    usage: `  etlscope stacks FILE [options]              stack tree (WPA: DPC/ISR Usage by Module, Stack; Utilization
                                              by Process, Stack)
      --dpc-isr | --cpu                       samples taken in DPCs/ISRs by module of the sampled address,
                                              or every sample by process (default --cpu)
      --view top-down|bottom-up|callers|callees   (callers/callees need --focus module!function)
      --process NAME                          only samples of that process (e.g. sqlservr.exe)
      --depth N                               stack levels shown (default all)
      --max-nodes N                           tree nodes shown, heaviest first (default 100000)`,
  },
  async ({ session, options, fileName, io }) => {
    const output = await stacks(session, options);
    io.print(options.json ? JSON.stringify({ tree: output.tree }) : formatStacks(output, fileName));
  },
);
