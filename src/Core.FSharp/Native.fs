/// Process-wide native settings: the allocator and libtorch's thread count.
module Emulators.Native

open System.Runtime.InteropServices

[<DllImport("libc", EntryPoint = "mallopt")>]
extern int private mallopt(int param, int value)

// glibc mallopt parameters (malloc.h)
let private M_TRIM_THRESHOLD = -1
let private M_MMAP_THRESHOLD = -3
let private M_ARENA_MAX = -8

let mutable private configured = false

/// Make glibc return freed native memory to the OS. libtorch frees many small tensors every step; with glibc's
/// default dynamic thresholds the freed pages stay mapped and RSS grows for the whole run. Fixed thresholds
/// (the same effect as MALLOC_TRIM_THRESHOLD_=0) keep RSS flat without the user setting environment variables.
/// Idempotent; a no-op where glibc is absent.
let configureAllocator () =
    if not configured then
        configured <- true
        if RuntimeInformation.IsOSPlatform OSPlatform.Linux then
            try
                mallopt(M_ARENA_MAX, 2) |> ignore
                mallopt(M_MMAP_THRESHOLD, 1 <<< 20) |> ignore
                mallopt(M_TRIM_THRESHOLD, 1 <<< 20) |> ignore
            with _ -> ()

/// Set libtorch's intra-op thread count (global to the process). Results are reproducible for a given count.
let setThreads (n: int) =
    if n < 1 then Errors.fail "threads must be at least 1 (got %d)" n
    TorchSharp.torch.set_num_threads n

/// Call once before any tensor work: configures the allocator and, by default, one libtorch thread
/// (tiny networks are bound by per-operation overhead, where extra threads only add contention).
let init (threads: int) =
    configureAllocator ()
    setThreads threads
