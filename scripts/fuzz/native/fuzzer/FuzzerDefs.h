// The two declarations Jazzer.js's addon needs from libFuzzer's private FuzzerDefs.h (its own build
// takes them from the compiler-rt sources it downloads; we link Debian's prebuilt libFuzzer
// instead, libclang_rt.fuzzer_no_main-x86_64.a from libclang-rt-14-dev).
#pragma once
#include <cstddef>
#include <cstdint>
namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);
} // namespace fuzzer
