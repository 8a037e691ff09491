//! The allocator of the `tsc` binary: the system allocator, except that
//! blocks of 4 MiB and more (a model's weights, a folded convolution) are
//! mapped on their own, 2 MiB-aligned and advised to use transparent huge
//! pages. A ResNet's 46 MB of weights then take a few dozen page faults
//! instead of eleven thousand, and free as fast.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};

pub(crate) struct Allocator;

const LARGE: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

fn mapped_size(layout: Layout) -> usize {
    layout.size().div_ceil(HUGE_PAGE) * HUGE_PAGE
}

// SAFETY: small blocks go to the system allocator unchanged; large ones
// are fresh anonymous mappings (zeroed, page aligned, at least as aligned
// as any layout up to 2 MiB asks), unmapped by `dealloc` with the same size.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() < LARGE || layout.align() > HUGE_PAGE {
            // SAFETY: forwarded with the caller's layout.
            return unsafe { System.alloc(layout) };
        }
        let size = mapped_size(layout);
        // Map a huge page more, then trim to a 2 MiB-aligned block.
        let reserve = size + HUGE_PAGE;
        // SAFETY: an anonymous private mapping; failure is checked.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reserve,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let start = base as usize;
        let aligned = start.next_multiple_of(HUGE_PAGE);
        let head = aligned - start;
        let tail = reserve - head - size;
        // SAFETY: both ranges lie inside the mapping just made and outside
        // the block handed out; madvise only advises.
        unsafe {
            if head > 0 {
                libc::munmap(base, head);
            }
            if tail > 0 {
                libc::munmap((aligned + size) as *mut libc::c_void, tail);
            }
            libc::madvise(aligned as *mut libc::c_void, size, libc::MADV_HUGEPAGE);
        }
        aligned as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() < LARGE || layout.align() > HUGE_PAGE {
            // SAFETY: `alloc` took the system allocator's path for this layout.
            return unsafe { System.dealloc(ptr, layout) };
        }
        // SAFETY: `alloc` mapped exactly this block for this layout.
        unsafe {
            libc::munmap(ptr as *mut libc::c_void, mapped_size(layout));
        }
    }
}
