/// Writing a text output where the user asked for it: "-" is standard output; an existing device, FIFO or socket
/// (or a symbolic link to one) is written in place, never replaced; a regular file (or a link to one) is replaced
/// atomically through a temporary sibling, so a failed write leaves the earlier file as it was.
module Emulators.Core.OutputFile

open System
open System.IO
open System.Runtime.InteropServices

// statx(2) has the same layout on every Linux architecture (unlike stat): stx_mode is the u16 at byte 28.
[<DllImport("libc", EntryPoint = "statx", SetLastError = true)>]
extern int private statx(int dirfd, string path, int flags, uint32 mask, byte[] buffer)

/// What an existing path is, following symbolic links.
type Kind =
    | Missing
    | Regular
    | Directory
    /// A character or block device, FIFO or socket: written in place.
    | Special of what: string

let kind (path: string) : Kind =
    let fallback () =
        if Directory.Exists path then Directory elif File.Exists path then Regular else Missing
    if not (RuntimeInformation.IsOSPlatform OSPlatform.Linux) then fallback ()
    else
        let buffer = Array.zeroCreate<byte> 256
        let ok = (try statx(-100, path, 0, 1u, buffer) = 0 with :? DllNotFoundException | :? EntryPointNotFoundException -> false)
        if not ok then fallback ()
        else
            match int (BitConverter.ToUInt16(buffer, 28)) &&& 0o170000 with
            | 0o100000 -> Regular
            | 0o040000 -> Directory
            | 0o020000 -> Special "character device"
            | 0o060000 -> Special "block device"
            | 0o010000 -> Special "FIFO"
            | 0o140000 -> Special "socket"
            | _ -> Special "special file"

/// Write text produced by `fill` to `path` ("-": standard output). `what` names the output in messages.
let write (path: string) (fill: TextWriter -> unit) =
    if String.IsNullOrWhiteSpace path then Errors.fail "no output file given (an empty name)"
    if path = "-" then
        let out = Console.Out
        Errors.io "cannot write to standard output" (fun () ->
            fill out
            out.Flush())
    else
        match kind path with
        | Directory -> Errors.fail "%s is a directory: give a file name for the output" path
        | Special what ->
            // a device or pipe: write in place (replacing it by a regular file would lose what the user asked for)
            Errors.io (sprintf "cannot write to '%s' (a %s)" path what) (fun () ->
                use f = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)
                use w = new StreamWriter(f)
                fill w
                w.Flush())
        | Regular
        | Missing ->
            // Through a symbolic link: replace the file it points to, and keep the link.
            let full =
                let p = Path.GetFullPath path
                match (try FileInfo(p).ResolveLinkTarget(true) with _ -> null) with
                | null -> p
                | target -> target.FullName
            let dir = Path.GetDirectoryName full
            if not (IO.Directory.Exists dir) then Errors.fail "cannot write '%s': the directory '%s' does not exist" path dir
            let tmp = Path.Combine(dir, sprintf ".%s.tmp-%s" (Path.GetFileName full) (Guid.NewGuid().ToString("N")))
            try
                Errors.io (sprintf "cannot write '%s'" path) (fun () ->
                    do
                        use f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write)
                        use w = new StreamWriter(f)
                        fill w
                        w.Flush()
                        f.Flush(true)
                    File.Move(tmp, full, true))
            finally
                try if File.Exists tmp then File.Delete tmp with _ -> ()
