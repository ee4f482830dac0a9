// Function names as the tables show them (WPA style: no parameter list), on the shapes Mozilla
// dump_syms writes into .sym files and our PDB reader reproduces.
import { describe, expect, it } from 'vitest';
import { displayName } from './symbolize.js';

describe('displayName', () => {
  it.each([
    ['ndisInterruptDpc(void*, unsigned long, unsigned long)', 'ndisInterruptDpc'],
    ['google_breakpad::C::h(google_breakpad::C const&)', 'google_breakpad::C::h'],
    [
      'std::_String_val<std::_Simple_types<char> >::_Large_string_engaged(void) const',
      'std::_String_val<std::_Simple_types<char> >::_Large_string_engaged',
    ],
    [
      '__crt_internal_free_policy::operator()<char>(char const* const) const',
      '__crt_internal_free_policy::operator()<char>',
    ],
    ['test8(int (*)(void (*)(int, unsigned int, unsigned short, double*)))', 'test8'],
    ['f<void (*)(int)>(int)', 'f<void (*)(int)>'],
    ["type_info::`scalar deleting destructor'(unsigned int)", "type_info::`scalar deleting destructor'"],
    ['Functor::operator()(int)', 'Functor::operator()'],
    ['Functor::operator()', 'Functor::operator()'],
    ['KxWaitForSpinLockAndAcquire', 'KxWaitForSpinLockAndAcquire'],
    ['strcmp()', 'strcmp'],
    ['broken)', 'broken)'],
  ])('%s → %s', (raw, shown) => expect(displayName(raw)).toBe(shown));
});
