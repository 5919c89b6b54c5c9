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
let private M_MMAP_MAX = -4
let private M_ARENA_MAX = -8

let private linux = RuntimeInformation.IsOSPlatform OSPlatform.Linux

/// Where glibc puts libtorch's buffers (EMULATORS_ALLOCATOR; the default is Heap).
type private Allocator =
    /// Every buffer from the heap (no mmap), whose freed blocks are reused without page faults; the top of the heap
    /// is kept during a training or fitting stage (`duringStage`) and returned at its end.
    | Heap
    /// The previous setting, kept to measure against: buffers above glibc's largest mmap threshold (32 MB) get a
    /// mapping of their own, backed by transparent huge pages.
    | Mapped
    /// glibc's own defaults (also EMULATORS_DEFAULT_MALLOC=1).
    | Glibc

let private allocator =
    lazy
        (match System.Environment.GetEnvironmentVariable "EMULATORS_ALLOCATOR", System.Environment.GetEnvironmentVariable "EMULATORS_DEFAULT_MALLOC" with
         | _, "1" -> Glibc
         | (null | "" | "heap"), _ -> Heap
         | "mapped", _ -> Mapped
         | "glibc", _ -> Glibc
         | other, _ -> Errors.fail "EMULATORS_ALLOCATOR: unknown setting '%s' (heap, mapped or glibc)" other)

/// Outside stages a freed top of the heap beyond this goes back to the operating system at once.
let private trimOutsideStages = 128 <<< 20

/// Keep glibc's heap from growing for the whole run without paying for it in the kernel. With glibc's dynamic
/// thresholds the freed pages of batched (ensemble) training stay mapped and RSS grows for the whole run; fixed
/// thresholds of 1 MB cured that but sent every tensor above 1 MB to its own mmap, so each training step mapped,
/// zeroed (page faults) and unmapped its large temporaries again: a third of all CPU time went to the kernel on large
/// LF data. A 32 MB threshold (glibc's largest) fixed that for networks, but an exact GP at K5's N_H = 1,024 has
/// [4, 1026, 1026] covariances of 34 MB: each one mapped and zeroed afresh, 22-40 % of its CPU time in the kernel even
/// with huge pages. So no buffer gets its own mapping (mmap off): freed blocks are reused from the heap. Trimming
/// the heap's top on every free would fault the same pages in again at the next step, so a stage keeps its top
/// (`duringStage`) and returns its free pages at its end (`releaseFreedMemory`); outside stages a freed top beyond
/// 128 MB goes back at once. Huge pages stay off here: on the heap they inflated the GP's peak memory 2.7-fold.
let private configureAllocator () =
    if linux then
        try
            let own (param: int, value: int) =
                mallopt(M_ARENA_MAX, 2) |> ignore
                mallopt(param, value) |> ignore
                mallopt(M_TRIM_THRESHOLD, trimOutsideStages) |> ignore
            match allocator.Force() with
            | Heap -> own (M_MMAP_MAX, 0)
            | Mapped -> own (M_MMAP_THRESHOLD, 32 <<< 20)
            | Glibc -> ()
        with :? System.DllNotFoundException | :? System.EntryPointNotFoundException -> ()

/// Return the heap's free pages to the operating system (glibc malloc_trim), also those between blocks in use: at the
/// end of a training stage (`duringStage`), so a long run's peak memory does not carry over into the next stage.
let private releaseFreedMemory () =
    if linux then
        try malloc_trim 0un |> ignore with _ -> ()

let private stageGate = obj ()
let mutable private openStages = 0

/// Run one training or fitting stage (Stage.runWith, a GP fit or prediction): while any stage runs, the heap keeps
/// its freed top, so the next step's buffers reuse it without faulting pages in; when the last one ends, a freed
/// top beyond 128 MB goes back as before, and the stage's free pages are returned (`releaseFreedMemory`).
let duringStage (f: unit -> 'T) : 'T =
    let heap = linux && allocator.Force() = Heap
    if heap then
        lock stageGate (fun () ->
            openStages <- openStages + 1
            if openStages = 1 then mallopt(M_TRIM_THRESHOLD, System.Int32.MaxValue) |> ignore)
    try f ()
    finally
        if heap then
            lock stageGate (fun () ->
                openStages <- openStages - 1
                if openStages = 0 then mallopt(M_TRIM_THRESHOLD, trimOutsideStages) |> ignore)
        releaseFreedMemory ()

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

/// In the Mapped setting (EMULATORS_ALLOCATOR=mapped), back libtorch's large buffers with transparent huge pages
/// (libtorch's THP_MEM_ALLOC_ENABLE: buffers of 2 MB and more are page-aligned and madvise'd MADV_HUGEPAGE): there,
/// buffers above 32 MB get a fresh mapping each time and huge pages fault once per 2 MB instead of once per 4 kB.
/// Results do not move either way: MKL runs in strict reproducibility mode (above), independent of alignment.
/// libtorch reads the setting once, at its first allocation, so this must run before any tensor exists; a user's
/// own THP_MEM_ALLOC_ENABLE wins.
let private configureHugePages () = if allocator.Force() = Mapped then defaultNativeVariable "THP_MEM_ALLOC_ENABLE" "1"

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
