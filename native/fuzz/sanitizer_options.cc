// Defaults for the fuzzers' sanitizers, so a fuzzer run by hand behaves as scripts/fuzz.sh runs it.
// UBSan checks are compiled recoverable only so that scripts/fuzz.sh can suppress the findings
// listed in native/fuzz/crashes-open/ubsan.supp while they are open; anything else still halts.
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }
