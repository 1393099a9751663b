use super::*;

/// Generic airline chatter, the same in both windows.
fn chatter(i: usize) -> String {
    let subjects = [
        "flight",
        "crew",
        "seat",
        "gate agent",
        "app",
        "lounge",
        "snack",
        "boarding",
    ];
    let moods = [
        "was fine",
        "could be better",
        "is ok I guess",
        "was on time",
        "looks new",
    ];
    format!(
        "@airline the {} {} today #{}",
        subjects[i % subjects.len()],
        moods[(i / 3) % moods.len()],
        ["travel", "flying", "trip"][i % 3]
    )
}

#[test]
fn planted_phrase_surfaces() {
    let mut target: Vec<String> = (0..300).map(chatter).collect();
    let lost = [
        "@airline where are my lost bags?? 3 days now",
        "Lost bags AGAIN #fail. Thanks @airline https://t.co/x",
        "@airline my lost bags have not arrived, nobody answers",
        "so @airline lost bags for the whole family #fail",
    ];
    for i in 0..40 {
        target.push(lost[i % lost.len()].to_string());
    }
    let baseline: Vec<String> = (0..1000).map(|i| chatter(i + 7)).collect();
    let t: Vec<&str> = target.iter().map(String::as_str).collect();
    let b: Vec<&str> = baseline.iter().map(String::as_str).collect();
    let themes = emerging_themes(&t, &b, &ThemeConfig::default());
    assert!(!themes.is_empty());
    assert_eq!(themes[0].phrase, "lost bags", "{themes:#?}");
    assert_eq!(themes[0].target_count, 40);
    assert_eq!(themes[0].baseline_count, 0);
    // `lost` and `bags` alone are covered by `lost bags`; handles and links never show.
    for theme in &themes {
        assert_ne!(theme.phrase, "lost");
        assert_ne!(theme.phrase, "bags");
        assert!(!theme.phrase.contains("airline"), "{}", theme.phrase);
        assert!(!theme.phrase.contains("http"), "{}", theme.phrase);
    }
    assert!(themes.iter().any(|t| t.phrase == "#fail"));
}

#[test]
fn same_windows_give_no_theme() {
    let posts: Vec<String> = (0..200).map(chatter).collect();
    let p: Vec<&str> = posts.iter().map(String::as_str).collect();
    assert!(emerging_themes(&p, &p, &ThemeConfig::default()).is_empty());
}

#[test]
fn empty_windows_and_odd_input() {
    let config = ThemeConfig::default();
    assert!(emerging_themes(&[], &["a"], &config).is_empty());
    assert!(emerging_themes(&["a"], &[], &config).is_empty());
    let odd = [
        "",
        "\u{0}",
        "&amp;&amp;",
        "@a @b",
        "http://x",
        "的的的",
        "#",
    ];
    let _ = emerging_themes(
        &odd,
        &odd[..2],
        &ThemeConfig {
            min_count: 1,
            min_score: 0.0,
            ..config
        },
    );
}

#[test]
fn stop_words_only_inside_phrases() {
    let target = vec!["what a waste of time this was"; 10];
    let baseline = vec!["flights are fine"; 50];
    let config = ThemeConfig::default();
    let themes = emerging_themes(&target, &baseline, &config);
    let phrases: Vec<&str> = themes.iter().map(|t| t.phrase.as_str()).collect();
    assert!(phrases.contains(&"waste of time"), "{phrases:?}");
    assert!(!phrases
        .iter()
        .any(|p| p.starts_with("of ") || p.ends_with(" of")));
}

#[test]
fn g2_matches_a_known_value() {
    // a = 10 of 100, b = 10 of 1000: G² = 22.908 (the 2×2 table computed independently).
    let v = g2(10.0, 10.0, 100.0, 1000.0);
    assert!((v - 22.908).abs() < 0.001, "{v}");
    assert_eq!(g2(0.0, 0.0, 10.0, 10.0), 0.0);
}

#[test]
fn posts_containing_counts_like_the_themes_do() {
    let posts = [
        "My portafilter cracked today",
        "the PORTAFILTER cracked again!",
        "portafilter is fine",
        "#LostBags at the airport",
    ];
    let counts = posts_containing(
        &posts,
        &["portafilter cracked", "portafilter", "#lostbags", "nowhere"],
        &ThemeConfig::default(),
    );
    assert_eq!(counts, [2, 3, 1, 0]);
}
