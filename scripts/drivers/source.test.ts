// Source generation (no toolchain needed): deterministic text, every spec function defined once,
// C++ classes for Class::method names with C linkage for the rest, __stdcall on x86, a direct call
// for each same-image edge and none for edges into other images, and clear errors for bad input.

import { describe, expect, it } from 'vitest';
import { DRIVERS } from '../writer/scenarios.js';
import { entryPointOf, generateSource, toIdentifier } from './source.js';

describe('generateSource', () => {
  it('is deterministic and defines every function of the spec (plus the entry point)', () => {
    const a = generateSource(DRIVERS.ndis, 8, []);
    const b = generateSource(DRIVERS.ndis, 8, []);
    expect(a.text).toBe(b.text);
    expect(a.language).toBe('c');
    expect(a.fileName).toBe('ndis.c');
    expect(a.entry).toBe('DriverEntry');
    for (const fn of [...DRIVERS.ndis.functions, 'DriverEntry'])
      expect(a.text.match(new RegExp(`^long\\s+${fn}\\(void \\*context`, 'gm'))?.length).toBe(1);
    // Bodies differ in size: the number of lines per function varies.
    const lengths = a.text
      .split(/^long /m)
      .slice(1)
      .map((f) => f.split('\n').length);
    expect(new Set(lengths).size).toBeGreaterThan(lengths.length / 2);
    expect(generateSource(DRIVERS.ntoskrnl, 8, []).entry).toBe('KiSystemStartup');
    expect(entryPointOf(DRIVERS.ntdll)).toBeUndefined();
  });

  it('writes C++ classes for Class::method names, C linkage for the rest, __stdcall on x86', () => {
    const wdf = generateSource(DRIVERS.wdf, 4, []);
    expect(wdf.language).toBe('c++');
    expect(wdf.fileName).toBe('Wdf01000.cpp');
    expect(wdf.text).toContain('struct FxInterrupt {');
    expect(wdf.text).toMatch(/static NOINLINE long __stdcall _InterruptThunk\(/);
    expect(wdf.text).toMatch(/long __stdcall FxInterrupt::_InterruptThunk\(void \*context/);
    expect(wdf.text).toMatch(/extern "C" NOINLINE long __stdcall DriverEntry\(/);
    expect(wdf.text).toContain('extern "C" volatile unsigned long g_state[64];');
    expect(generateSource(DRIVERS.ndis, 8, []).text).not.toContain('__stdcall');
  });

  it('calls same-image callees directly; edges into other images use the dispatch table only', () => {
    const calls = [
      { caller: 'ndis.sys!ndisInterruptDpc', callee: 'ndis.sys!ndisMiniportDpc' },
      { caller: 'NDIS.SYS!ndisMiniportDpc', callee: 'iansw60e.sys!iansTeamReceive' },
      { caller: 'tcpip.sys!IppTimeout', callee: 'ndis.sys!ndisMiniportDpc' },
    ];
    const src = generateSource(DRIVERS.ndis, 8, calls).text;
    const body = (fn: string): string =>
      src.slice(src.indexOf(`long ${fn}(`), src.indexOf('\n}\n', src.indexOf(`long ${fn}(`)));
    expect(body('ndisInterruptDpc')).toMatch(/acc \+= ndisMiniportDpc\(context, acc, b\);/);
    expect(body('ndisMiniportDpc')).not.toMatch(/iansTeamReceive/);
    for (const fn of DRIVERS.ndis.functions) expect(body(fn)).toMatch(/g_dispatch\[\d+\]\(context, acc, b\)/);
    // The padding reserve brings SizeOfImage toward the spec size.
    expect(src).toContain(`g_image_reserve[0x${(DRIVERS.ndis.size - 0x20000).toString(16)}]`);
  });

  it('turns names without identifiers into C names and rejects bad edges and clashes', () => {
    expect(toIdentifier('(RxDpc)')).toBe('RxDpc');
    expect(toIdentifier('9lives')).toBe('f_9lives');
    expect(toIdentifier('HdaController::Isr')).toBe('HdaController::Isr');
    expect(generateSource(DRIVERS.rtwlane, 8, []).identifiers.get('(TxDpc)')).toBe('TxDpc');
    expect(() =>
      generateSource(DRIVERS.ndis, 8, [{ caller: 'ndis.sys!nope', callee: 'ndis.sys!ndisMiniportDpc' }]),
    ).toThrow(/ndis\.sys: call edge from unknown function nope/);
    expect(() =>
      generateSource(DRIVERS.ndis, 8, [{ caller: 'ndis.sys!ndisMiniportDpc', callee: 'ndis.sys!nope' }]),
    ).toThrow(/call edge to unknown function nope/);
    expect(() => generateSource(DRIVERS.ndis, 8, [{ caller: 'ndisMiniportDpc', callee: 'x' }])).toThrow(
      /expected module!function/,
    );
    expect(() => generateSource({ file: 'x.sys', size: 0x10000, functions: ['(a)', 'a'] }, 8, [])).toThrow(
      /two functions map to the identifier a/,
    );
  });
});
