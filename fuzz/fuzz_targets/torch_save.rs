#![no_main]

// torch.save zip archives (the seeds); the reader picks the format from the bytes.
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let _ = tsy::fuzz::weights(bytes);
});
