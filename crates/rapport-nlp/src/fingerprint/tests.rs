use super::*;

const BASE: &str = "@united my flight from Newark to Chicago was cancelled tonight and nobody \
                    at the gate can tell me when I will get rebooked, terrible service";

#[test]
fn retweets_links_handles_and_case_do_not_matter() {
    let a = fingerprint(BASE);
    assert_eq!(
        a,
        fingerprint(&format!("RT @someone: {BASE} http://t.co/abc"))
    );
    assert_eq!(a, fingerprint(&BASE.to_uppercase()));
    assert_eq!(a, fingerprint(&BASE.replace("@united", "@AmericanAir")));
    assert_eq!(a, fingerprint(&format!("{BASE}!!! 😡")));
}

#[test]
fn small_edits_stay_close() {
    let a = fingerprint(BASE);
    let edits = [
        BASE.replace("tonight", "today"),
        BASE.replace("terrible", "awful"),
        BASE.replace("Chicago", "Boston"),
        BASE.replace(", terrible service", ""),
        BASE.replace("cancelled", "cancelled again"),
    ];
    // SimHash moves by chance: a single edit can land a few bits past the default distance,
    // so check the spread, as `examples/duplicates.rs` measures it on real tweets.
    let distances: Vec<u32> = edits.iter().map(|e| hamming(a, fingerprint(e))).collect();
    let within = distances
        .iter()
        .filter(|&&d| d <= DEFAULT_MAX_DISTANCE)
        .count();
    assert!(within >= 3, "{distances:?}");
    assert!(distances.iter().all(|&d| d <= 12), "{distances:?}");
}

#[test]
fn different_texts_are_far_apart() {
    let texts = [
        BASE,
        "Thank you @JetBlue for the smooth flight and the free snacks, the crew was great",
        "@SouthwestAir how do I add my known traveler number to an existing reservation?",
        "Bags lost for the third time this year, nobody answers the phone @USAirways",
        "@VirginAmerica love the mood lighting and the music on board",
    ];
    let fps: Vec<u64> = texts.iter().map(|t| fingerprint(t)).collect();
    for i in 0..fps.len() {
        for j in i + 1..fps.len() {
            let d = hamming(fps[i], fps[j]);
            assert!(d > 12, "{d} bits between {:?} and {:?}", texts[i], texts[j]);
        }
    }
}

#[test]
fn empty_and_odd_texts() {
    assert_eq!(fingerprint(""), 0);
    assert_eq!(fingerprint("@a @b https://x.y"), 0);
    let _ = fingerprint("\u{0}&#xD800;&&&#");
    assert_eq!(to_hex(0xab), "00000000000000ab");
}

#[test]
fn index_groups_planted_duplicates() {
    let mut index = DuplicateIndex::new(DEFAULT_MAX_DISTANCE);
    let planted = [
        BASE.to_string(),
        format!("RT @bob: {BASE}"),
        BASE.replace("terrible", "awful"),
        "Thank you @JetBlue for the smooth flight and the free snacks".to_string(),
        "Thank you @Delta for the smooth flight and the free snacks!".to_string(),
        "Completely unrelated post about coffee beans and grinders".to_string(),
    ];
    let ids: Vec<usize> = planted
        .iter()
        .map(|t| index.insert(fingerprint(t)))
        .collect();
    assert_eq!(index.len(), 6);
    let groups = index.groups(2);
    assert_eq!(
        groups,
        vec![vec![ids[0], ids[1], ids[2]], vec![ids[3], ids[4]]]
    );
    assert_eq!(index.group_of(ids[5]), ids[5]);
    assert_eq!(index.group_of(999), 999);
    assert_eq!(index.near(fingerprint(BASE)), vec![0, 1, 2]);
}

#[test]
fn index_finds_everything_within_the_distance() {
    // Compare the banded lookup with brute force on pseudo-random fingerprints and on
    // fingerprints with a few bits flipped.
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for k in [0, 3, 6, 15, 40] {
        let mut index = DuplicateIndex::new(k);
        let mut all = Vec::new();
        for _ in 0..300 {
            let base = next();
            let flips = (next() % 10) as u32;
            let mut fp = base;
            for _ in 0..flips {
                fp ^= 1 << (next() % 64);
            }
            for x in [base, fp] {
                all.push(x);
                index.insert(x);
            }
        }
        let probe = all[17] ^ 0b1011;
        let brute: Vec<usize> = (0..all.len())
            .filter(|&i| hamming(all[i], probe) <= index.max_distance())
            .collect();
        assert_eq!(index.near(probe), brute, "k = {k}");
    }
}
