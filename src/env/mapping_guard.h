// env/mapping_guard.h — reading (and writing) a memory-mapped file without
// dying of it.
//
// A read from a mapped file that the kernel cannot satisfy — the device
// reports an error, or another program truncated the file below the
// mapping — raises SIGBUS in the reading thread instead of returning an
// error. The POSIX Env's mapped files copy reads out of the mapping with
// CopyFromMapping(), and lend its bytes where they lie with
// VisitMapping(); both turn such a SIGBUS into a `false` return (and the
// file's Read or Visit into an IOError naming file and offset).
//
// How: a process-wide SIGBUS handler, installed by the first call of
// InstallMappingFaultHandler(), looks at the thread's current guarded copy
// (a thread-local pointer to a frame on that copy's stack). When the fault
// is the kernel's and its address lies in the pages being copied, the
// handler jumps back into CopyFromMapping (siglongjmp), which returns
// false. CopyToMapping() does the same for a copy into a writable shared
// mapping (a log written through one). The copy is a plain memcpy (an
// in-order word copy, into a mapping) between buffers the caller owns, so
// jumping out of it skips no destructor and holds no lock. A table's
// blocks and units are checked and decompressed where they lie instead,
// with VisitMapping(): there the jump abandons the checksum or the
// decompressor (snappy, LZ4, zstd with its thread's context, reset after
// such a fault) part way. Their frames own nothing — snappy's hold objects
// with destructors that free nothing, which the jump skips (formally
// undefined behaviour; what the jump skips there is a pointer's update) —
// and the buffer being written is the caller's. One guard at a time is
// looked at, the thread's innermost: a visitor reads only the mapping it
// was given.
// Every other SIGBUS goes to whatever disposition was in place before the
// handler was installed: the previous handler, or the default (the process
// ends with SIGBUS, as it would without strata).
//
// Limits: a program that installs its own SIGBUS handler after strata has
// mapped a file replaces this one (its handler then sees strata's faults,
// and the process ends as with any unhandled fault unless it chains to the
// previous handler, as well-behaved handlers do).
//
// Thread-safety: CopyFromMapping, CopyToMapping and VisitMapping may run
// on many threads at once; each thread's guard is its own.

#pragma once

#include <cstddef>

#include "strata/slice.h"

namespace strata::internal {

// The size of a memory page (sysconf(_SC_PAGESIZE), read once).
size_t PageSize();

// Installs the SIGBUS handler described above; later calls do nothing.
// Thread-safe.
void InstallMappingFaultHandler();

// Copies `n` bytes from `src`, which lies in a mapping, to `dst`. Returns
// false if reading `src` raised SIGBUS; `dst` then holds an unspecified
// prefix. InstallMappingFaultHandler() must have been called (without it a
// fault ends the process, as an unguarded read would).
bool CopyFromMapping(char* dst, const char* src, size_t n);

// Copies `n` bytes from `src` to `dst`, which lies in a writable shared
// mapping, front to back in order: if the process dies during the copy,
// the file holds a prefix of `src` (and what was there before after it).
// Returns false if writing `dst` raised SIGBUS (the file was cut below
// the mapping, or the file system could not back a page); `dst` then
// holds a prefix of `src`. As CopyFromMapping otherwise.
bool CopyToMapping(char* dst, const char* src, size_t n);

// Calls `visitor(arg, Slice(src, n))`, where `src` lies in a mapping,
// under the guard for its pages: the bytes read where they lie, with no
// copy (RandomAccessFile::Visit). Returns false if reading them raised
// SIGBUS; the visit was then abandoned at the fault, its frames left
// without their destructors running, so a visitor keeps nothing that needs
// one (no allocation, no lock) in its own frames and writes only memory
// its caller owns. As CopyFromMapping otherwise.
bool VisitMapping(const char* src, size_t n,
                  void (*visitor)(void* arg, const Slice& bytes), void* arg);

}  // namespace strata::internal
