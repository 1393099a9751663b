//! Elongated words (`soooo`, `goooood`): runs of three or more of the same letter are cut
//! to two in the normalised form, and the token is flagged so NLP can count the emphasis.
//!
//! Two, not one, is the common rule (it is the one of the NLP's own normalisation and of
//! most sentiment work): cutting to one would break every word with a double letter
//! (`good` → `god`, `cool` → `col`), while cutting to two keeps them and makes every
//! elongation of a word read the same (`soooo` and `sooo` both read `soo`; `goooood`
//! reads `good`). A query is normalised the same way, so `sooooo` finds `soooo`, but `so`
//! does not find `soooo`. Digits are never cut (`1000`).

/// Cuts every run of three or more equal letters in `out[start..]` to two; returns
/// whether one was cut. `start` must be a character boundary.
pub(crate) fn squeeze_tail(out: &mut String, start: usize) -> bool {
    if !has_run(&out[start..]) {
        return false;
    }
    let word: String = out[start..].to_string();
    out.truncate(start);
    let mut prev = None;
    let mut run = 0;
    for c in word.chars() {
        if Some(c) == prev {
            run += 1;
        } else {
            prev = Some(c);
            run = 1;
        }
        if run <= 2 || !c.is_alphabetic() {
            out.push(c);
        }
    }
    true
}

/// Whether ASCII `bytes` hold three equal letters in a row.
#[inline]
pub(crate) fn ascii_has_run(bytes: &[u8]) -> bool {
    bytes
        .windows(3)
        .any(|w| w[0] == w[1] && w[1] == w[2] && w[0].is_ascii_alphabetic())
}

/// Whether `word` holds three equal letters in a row.
fn has_run(word: &str) -> bool {
    let bytes = word.as_bytes();
    if bytes.len() < 3 {
        return false;
    }
    if word.is_ascii() {
        return ascii_has_run(bytes);
    }
    let mut prev = None;
    let mut run = 0;
    for c in word.chars() {
        if Some(c) == prev {
            run += 1;
            if run >= 3 && c.is_alphabetic() {
                return true;
            }
        } else {
            prev = Some(c);
            run = 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn squeeze(s: &str) -> (String, bool) {
        let mut out = format!("x {s}");
        let cut = squeeze_tail(&mut out, 2);
        (out[2..].to_string(), cut)
    }

    #[test]
    fn cuts_runs_of_letters_to_two() {
        assert_eq!(squeeze("soooo"), ("soo".into(), true));
        assert_eq!(squeeze("goooood"), ("good".into(), true));
        assert_eq!(squeeze("good"), ("good".into(), false));
        assert_eq!(squeeze("1000"), ("1000".into(), false));
        assert_eq!(squeeze("ouiiiii"), ("ouii".into(), true));
        assert_eq!(squeeze("trèèès"), ("trèès".into(), true));
        assert_eq!(squeeze("aaabbbccc"), ("aabbcc".into(), true));
    }
}
