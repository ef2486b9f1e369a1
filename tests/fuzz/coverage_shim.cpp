// Lets libFuzzer (clang's libclang_rt.fuzzer) drive code built by GCC 12.
//
// Why: tafel needs GCC 12 (clang 14 cannot compile libstdc++-12's <expected>), and GCC has no
// -fsanitize=fuzzer; it does have -fsanitize-coverage=trace-pc (a call to
// __sanitizer_cov_trace_pc at every basic block) and trace-cmp (the comparison hooks libFuzzer
// uses for its value profile and dictionary). libFuzzer 14 refuses trace-pc itself, so the
// fuzz targets link with -Wl,--wrap=__sanitizer_cov_trace_pc: GCC's calls land here, where
// each call site's return address is hashed into a table of 8-bit counters registered with
// libFuzzer as if it were clang's inline-8bit-counters (SanitizerCoverage docs,
// "Inline 8bit-counters" and "PC-Table"). This file itself must not be instrumented.
#include <cstddef>
#include <cstdint>

namespace {

constexpr std::size_t k_slots = std::size_t{1} << 16;   // call sites of the fuzzed code: a few thousand

struct PcTableEntry {
    std::uintptr_t pc;
    std::uintptr_t flags;
};

struct CoverageTables {
    alignas(64) std::uint8_t counters[k_slots];
    PcTableEntry pcs[k_slots];
};

// Written only by the instrumented code of the one fuzzing thread and read by libFuzzer
// between inputs: the layout libFuzzer expects, a process-wide table by design.
CoverageTables tables;   // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

} // namespace

extern "C" {

void __sanitizer_cov_8bit_counters_init(std::uint8_t* start, std::uint8_t* stop);
void __sanitizer_cov_pcs_init(const std::uintptr_t* start, const std::uintptr_t* stop);

__attribute__((no_sanitize_address, no_sanitize_undefined)) void __wrap___sanitizer_cov_trace_pc() {
    const auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
    const std::size_t slot = (pc ^ (pc >> 16)) & (k_slots - 1);
    tables.pcs[slot].pc = pc;
    ++tables.counters[slot];
}

// GCC's trace-cmp also reports floating-point comparisons; libFuzzer has no hooks for them.
void __sanitizer_cov_trace_cmpf(float, float) {}
void __sanitizer_cov_trace_cmpd(double, double) {}

} // extern "C"

namespace {

// Registered before main(), as clang's module constructors do.
__attribute__((constructor)) void register_coverage_tables() {
    __sanitizer_cov_8bit_counters_init(tables.counters, tables.counters + k_slots);
    __sanitizer_cov_pcs_init(reinterpret_cast<const std::uintptr_t*>(tables.pcs),
                             reinterpret_cast<const std::uintptr_t*>(tables.pcs + k_slots));
}

} // namespace
