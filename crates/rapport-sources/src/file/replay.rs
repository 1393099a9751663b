//! A reader that keeps what it has read, so that CSV parsing can go back and start again
//! on the line after a record with broken quoting.

use std::io::{self, Read};

/// Bytes of already-parsed input to drop at once; below this the kept buffer just grows.
const FORGET_CHUNK: u64 = 64 * 1024;

/// Wraps the input, keeping every byte read from the current record on, addressed by
/// absolute offset from the start of the input.
pub(crate) struct Replay<R> {
    inner: R,
    /// Bytes from offset `kept_from` to everything read from `inner` so far.
    kept: Vec<u8>,
    kept_from: u64,
    /// The offset of the next byte that `read` hands out.
    pos: u64,
    /// `read` hands out nothing at or past this offset: a record may not grow without bound.
    limit: u64,
    /// Whether `read` has reported the end of input because of `limit`.
    hit_limit: bool,
}

impl<R: Read> Replay<R> {
    pub(crate) fn new(inner: R) -> Self {
        Replay {
            inner,
            kept: Vec::new(),
            kept_from: 0,
            pos: 0,
            limit: u64::MAX,
            hit_limit: false,
        }
    }

    fn kept_end(&self) -> u64 {
        self.kept_from + self.kept.len() as u64
    }

    /// Bytes before `offset` will not be asked for again.
    pub(crate) fn forget_before(&mut self, offset: u64) {
        let offset = offset.min(self.kept_end());
        if offset >= self.kept_from + FORGET_CHUNK {
            let n = usize::try_from(offset - self.kept_from).unwrap_or(self.kept.len());
            self.kept.drain(..n.min(self.kept.len()));
            self.kept_from = offset;
        }
    }

    /// The kept bytes in `from..to`, clamped to what is kept.
    pub(crate) fn kept_bytes(&self, from: u64, to: u64) -> &[u8] {
        let start = from.clamp(self.kept_from, self.kept_end()) - self.kept_from;
        let end = to.clamp(self.kept_from, self.kept_end()) - self.kept_from;
        let (start, end) = (start as usize, end as usize);
        &self.kept[start..end.max(start)]
    }

    /// Makes `read` hand out bytes from `offset` again (clamped to what is kept).
    pub(crate) fn rewind(&mut self, offset: u64) {
        self.pos = offset.clamp(self.kept_from, self.kept_end());
    }

    /// `read` will report the end of input at `limit` (absolute offset).
    pub(crate) fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
        self.hit_limit = false;
    }

    /// Whether the end of input that `read` last reported came from the limit.
    pub(crate) fn hit_limit(&self) -> bool {
        self.hit_limit
    }

    /// Finds the first `\n` at or after `from` (reading on, without keeping, when it is not
    /// among the kept bytes) and returns the offset just past it, or `None` at the end of
    /// input. Afterwards reading goes on from there.
    pub(crate) fn skip_past_newline(&mut self, from: u64) -> io::Result<Option<u64>> {
        let kept_tail = self.kept_bytes(from, self.kept_end());
        if let Some(i) = kept_tail.iter().position(|&b| b == b'\n') {
            let offset = from.max(self.kept_from) + i as u64 + 1;
            self.rewind(offset);
            return Ok(Some(offset));
        }
        self.kept_from = self.kept_end();
        self.kept.clear();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match self.inner.read(&mut chunk) {
                Ok(0) => {
                    self.pos = self.kept_from;
                    return Ok(None);
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if let Some(i) = chunk[..n].iter().position(|&b| b == b'\n') {
                let offset = self.kept_from + i as u64 + 1;
                self.kept.extend_from_slice(&chunk[i + 1..n]);
                self.kept_from = offset;
                self.pos = offset;
                return Ok(Some(offset));
            }
            self.kept_from += n as u64;
        }
    }
}

impl<R: Read> Read for Replay<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let allowed = self.limit.saturating_sub(self.pos);
        if allowed == 0 {
            self.hit_limit = true;
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(allowed).unwrap_or(usize::MAX));
        if self.pos < self.kept_end() {
            let kept = self.kept_bytes(self.pos, self.kept_end());
            let n = want.min(kept.len());
            buf[..n].copy_from_slice(&kept[..n]);
            self.pos += n as u64;
            return Ok(n);
        }
        let n = loop {
            match self.inner.read(&mut buf[..want]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        self.kept.extend_from_slice(&buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_and_limits() {
        let mut r = Replay::new(&b"hello\nworld\n"[..]);
        let mut buf = [0u8; 4];
        assert_eq!(r.read(&mut buf).unwrap(), 4);
        assert_eq!(&buf, b"hell");
        r.rewind(1);
        let mut all = Vec::new();
        r.set_limit(8);
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"ello\nwo");
        assert!(r.hit_limit());
        assert_eq!(r.kept_bytes(2, 5), b"llo");
        assert_eq!(r.skip_past_newline(0).unwrap(), Some(6));
        r.set_limit(u64::MAX);
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"world\n");
        assert!(!r.hit_limit());
    }

    #[test]
    fn skips_lines_beyond_what_is_kept() {
        let mut input = vec![b'x'; 200_000];
        input.extend_from_slice(b"\nnext\n");
        let mut r = Replay::new(&input[..]);
        let mut buf = [0u8; 10];
        r.read_exact(&mut buf).unwrap();
        assert_eq!(r.skip_past_newline(0).unwrap(), Some(200_001));
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"next\n");
        let mut r = Replay::new(&b"no newline"[..]);
        assert_eq!(r.skip_past_newline(3).unwrap(), None);
    }
}
