/// Process-wide native settings: the allocator, MKL reproducibility and libtorch's thread count.
module Emulators.Core.Native

open System.Runtime.InteropServices

[<DllImport("libc", EntryPoint = "mallopt")>]
extern int private mallopt(int param, int value)

[<DllImport("libc", EntryPoint = "setenv")>]
extern int private setenv(string name, string value, int overwrite)

[<DllImport("libc", EntryPoint = "malloc_trim")>]
extern int private malloc_trim(unativeint pad)

// glibc mallopt parameters (malloc.h)
let private M_TRIM_THRESHOLD = -1
let private M_MMAP_THRESHOLD = -3
let private M_ARENA_MAX = -8

let private linux = RuntimeInformation.IsOSPlatform OSPlatform.Linux

/// Keep glibc's heap from growing for the whole run without paying for it in the kernel. With glibc's dynamic
/// thresholds the freed pages of batched (ensemble) training stay mapped and RSS grows for the whole run; fixed
/// thresholds of 1 MB cured that but sent every tensor above 1 MB to its own mmap, so each training step mapped,
/// zeroed (page faults) and unmapped its large temporaries again: a third of all CPU time went to the kernel on large
/// LF data. Fixed thresholds at glibc's largest mmap threshold (32 MB) serve a step's temporaries from the heap,
/// where freed blocks are reused without faults, while the fixed trim threshold still returns a freed top of the
/// heap beyond 128 MB; `releaseFreedMemory` at the end of each training stage returns the rest.
/// EMULATORS_DEFAULT_MALLOC=1 keeps glibc's defaults: only for measuring what this setting buys.
let private configureAllocator () =
    if linux && System.Environment.GetEnvironmentVariable "EMULATORS_DEFAULT_MALLOC" <> "1" then
        try
            mallopt(M_ARENA_MAX, 2) |> ignore
            mallopt(M_MMAP_THRESHOLD, 32 <<< 20) |> ignore
            mallopt(M_TRIM_THRESHOLD, 128 <<< 20) |> ignore
        with _ -> ()

/// Return the heap's free pages to the operating system (glibc malloc_trim), also those between blocks in use: at the
/// end of a training stage, so a long run's peak memory does not carry over into the next stage.
let releaseFreedMemory () =
    if linux then
        try malloc_trim 0un |> ignore with _ -> ()

/// Set a native environment variable that libtorch or MKL reads at its first use, unless the user has set it.
/// Both copies are set: .NET keeps its own environment, which libc's setenv does not change.
let private defaultNativeVariable (name: string) (value: string) =
    if linux && System.String.IsNullOrEmpty(System.Environment.GetEnvironmentVariable name) then
        try
            setenv(name, value, 0) |> ignore
            System.Environment.SetEnvironmentVariable(name, value)
        with _ -> ()

/// Make MKL (inside libtorch) reproducible: by default its kernels pick code paths by memory alignment, so two
/// runs with the same seed drift apart after thousands of epochs. Strict conditional numerical reproducibility
/// removes that; it must be in the native environment before MKL's first call. A user's own MKL_CBWR wins.
let private configureReproducibility () = defaultNativeVariable "MKL_CBWR" "AUTO,STRICT"

/// Back libtorch's large buffers with transparent huge pages (libtorch's THP_MEM_ALLOC_ENABLE: buffers of 2 MB and
/// more are page-aligned and madvise'd MADV_HUGEPAGE). Buffers above glibc's largest mmap threshold (32 MB) get
/// a fresh mapping each time, and every 4 kB page of it faults on first touch: an exact GP at K5's N_H = 1,024 has
/// [4, 1026, 1026] covariances of 34 MB, and spent about 40 % of its CPU time in the kernel. Huge pages fault once per
/// 2 MB. Results do not move: MKL runs in strict reproducibility mode (above), independent of alignment.
/// libtorch reads the setting once, at its first allocation, so this must run before any tensor exists; a user's
/// own THP_MEM_ALLOC_ENABLE wins (0 turns it off, to measure what it buys).
let private configureHugePages () = defaultNativeVariable "THP_MEM_ALLOC_ENABLE" "1"

let private once = lazy (configureReproducibility (); configureHugePages (); configureAllocator ())

/// Apply the process-wide settings once; every model constructor calls this, so library users need not.
let ensure () = once.Force()

/// Set libtorch's intra-op thread count (global to the process). Results are reproducible for a given count.
let setThreads (n: int) =
    if n < 1 then Errors.fail "threads must be at least 1 (got %d)" n
    TorchSharp.torch.set_num_threads n

/// Call before any tensor work: the process-wide settings plus the thread count.
let init (threads: int) =
    ensure ()
    setThreads threads

/// The libtorch thread count when the caller names none: 1. The networks here are tiny, so a step is bound by the
/// cost per tensor operation, where more intra-op threads only add contention (measured: a facade fit on libtorch's
/// default of 2 threads on 2 cores took 93 s against 5.9 s on 1); to use more cores, train several emulators at once.
let defaultThreads = 1

/// `init` with the caller's thread count or `defaultThreads`: the one policy of the command line and the facade.
/// libtorch keeps the count per native thread and gives it to threads that start tensor work later, so it acts on the
/// calling thread and becomes the process's default; concurrent callers should use the same value.
let useThreads (threads: int option) = init (defaultArg threads defaultThreads)
