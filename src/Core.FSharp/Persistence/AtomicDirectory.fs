/// Writing a whole directory at once: the files go into a temporary sibling directory, which is then swapped in by
/// one rename. A reader sees the old directory or the new one, never a mixture, and a failure on the way (a full
/// disk, a read-only file system, a crash) leaves the old directory exactly as it was.
module Emulators.Core.AtomicDirectory

open System
open System.IO
open System.Runtime.InteropServices

// renameat2(2) with RENAME_EXCHANGE swaps two paths atomically (Linux 3.15+, glibc 2.28+).
[<DllImport("libc", EntryPoint = "renameat2", SetLastError = true)>]
extern int private renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint32 flags)

let private AT_FDCWD = -100
let private RENAME_EXCHANGE = 2u

/// Swap two existing directories in one step where the system can (true), else report false.
let private exchange (a: string) (b: string) =
    if not (RuntimeInformation.IsOSPlatform OSPlatform.Linux) then false
    else
        try renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) = 0
        with :? DllNotFoundException | :? EntryPointNotFoundException -> false

/// What `write` did to the target.
type Outcome =
    /// The directory did not exist (or was empty) and now holds the files.
    | Created
    /// The directory held an earlier version, which the new files replaced as a whole.
    | Replaced

let private tryDelete (dir: string) =
    try if Directory.Exists dir then Directory.Delete(dir, true) with _ -> ()

/// The directory a path names, following symbolic links, so that a link to a directory keeps pointing at it.
let resolve (path: string) =
    // "m/" names the directory m: without the separator, its parent is the parent of m
    let full = Path.TrimEndingDirectorySeparator(Path.GetFullPath path)
    match (try FileInfo(full).ResolveLinkTarget(true) with _ -> null) with
    | null -> full
    | target -> target.FullName

let private writeFile (path: string) (bytes: byte[]) =
    use f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None)
    f.Write(bytes, 0, bytes.Length)
    // on the device before the rename makes the directory visible
    f.Flush(true)

/// Check that `target` can become the directory (before any work is done): a name is given, it is not a file, and
/// an existing non-empty directory holds an earlier version that `replaceable` accepts (otherwise its files are
/// not ours to delete). Returns the resolved full path and whether an earlier version will be replaced.
let check (what: string) (target: string) (replaceable: string -> Result<unit, string>) =
    if String.IsNullOrWhiteSpace target then Errors.fail "no %s given (an empty name)" what
    if target = "-" then Errors.fail "a %s cannot be written to standard output ('-'): give a directory name" what
    let full = Errors.io (sprintf "cannot use '%s' as %s" target what) (fun () -> resolve target)
    if File.Exists full then
        Errors.fail "'%s' is a file, not a directory: choose a new or empty directory for the %s" target what
    let existing = Errors.io (sprintf "cannot read the directory '%s'" target) (fun () ->
        Directory.Exists full && not (Seq.isEmpty (Directory.EnumerateFileSystemEntries full)))
    if existing then
        match replaceable full with
        | Ok() -> ()
        | Error why -> Errors.fail "'%s' is not empty and %s: choose a new or empty directory (nothing was written)" target why
    full, existing

/// Write `files` (name, content) as the directory `target`, after `check`. `what` names the directory in
/// messages ("model directory").
let write (what: string) (target: string) (replaceable: string -> Result<unit, string>) (files: (string * byte[]) list) : Outcome =
    let full, existing = check what target replaceable
    let parent = Path.GetDirectoryName full
    if isNull parent then Errors.fail "'%s' is the root of the file system: choose a directory below it for the %s" target what
    Errors.io (sprintf "cannot create the directory '%s'" parent) (fun () -> Directory.CreateDirectory parent |> ignore)
    let tmp = Path.Combine(parent, sprintf ".%s.tmp-%s" (Path.GetFileName full) (Guid.NewGuid().ToString("N")))
    try
        try
            Directory.CreateDirectory tmp |> ignore
            for name, bytes in files do
                writeFile (Path.Combine(tmp, name)) bytes
            if not (Directory.Exists full) then
                Directory.Move(tmp, full)
                Created
            elif exchange tmp full then
                // tmp now holds the earlier version
                tryDelete tmp
                if existing then Replaced else Created
            else
                // No atomic exchange here: move the old one aside, the new one in, and back on failure.
                let old = Path.Combine(parent, sprintf ".%s.old-%s" (Path.GetFileName full) (Guid.NewGuid().ToString("N")))
                Directory.Move(full, old)
                try Directory.Move(tmp, full)
                with _ ->
                    Directory.Move(old, full)
                    reraise ()
                tryDelete old
                if existing then Replaced else Created
        with
        | :? IOException
        | :? UnauthorizedAccessException as e -> raise (Errors.ofIo (sprintf "cannot write the %s '%s'" what target) e)
    finally
        tryDelete tmp
