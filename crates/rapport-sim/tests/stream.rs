//! Properties of the simulated stream: reproducibility, order, rhythm, incidents,
//! conversations, languages, audiences and ids.

use chrono::{Datelike, TimeZone, Timelike};
use rapport_model::{MonitorKind, Network};
use rapport_sim::{Incident, Intent, Sentiment, SimConfig, SimError, SimPost, Simulator, World};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// Monday 2026-03-02, 00:00 UTC.
fn monday() -> rapport_model::Timestamp {
    chrono::Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap()
}

fn run(config: SimConfig) -> Vec<SimPost> {
    Simulator::new(config).expect("valid config").collect()
}

/// One demo week at 2,000 posts a day (with its two incidents), shared by the tests.
fn week() -> &'static [SimPost] {
    static WEEK: OnceLock<Vec<SimPost>> = OnceLock::new();
    WEEK.get_or_init(|| run(SimConfig::demo(42, monday(), chrono::Duration::days(7))))
}

#[test]
fn same_seed_gives_the_same_stream() {
    let config = SimConfig::demo(7, monday(), chrono::Duration::hours(12));
    let a = run(config.clone());
    let b = run(config);
    assert!(a.len() > 500, "{}", a.len());
    assert_eq!(a, b);
}

#[test]
fn different_seeds_give_different_streams() {
    let a = run(SimConfig::demo(1, monday(), chrono::Duration::hours(6)));
    let b = run(SimConfig::demo(2, monday(), chrono::Duration::hours(6)));
    assert_ne!(a, b);
    let texts_a: HashSet<&str> = a.iter().map(|p| p.post.text.as_str()).collect();
    let same = b
        .iter()
        .filter(|p| texts_a.contains(p.post.text.as_str()))
        .count();
    assert!(same < b.len() / 2, "{same} of {} texts repeat", b.len());
}

#[test]
fn timestamps_are_ordered_and_inside_the_window() {
    let posts = week();
    let start = monday();
    let end = start + chrono::Duration::days(7);
    assert!(posts.len() > 12_000, "{}", posts.len());
    for pair in posts.windows(2) {
        assert!(pair[0].post.created_at <= pair[1].post.created_at);
    }
    for p in posts {
        assert!(p.post.created_at >= start && p.post.created_at < end);
    }
}

#[test]
fn volume_follows_the_configured_rate() {
    let mut config = SimConfig::demo(3, monday(), chrono::Duration::days(7));
    config.incidents.clear();
    config.posts_per_day = 1_000.0;
    let n = run(config).len() as f64;
    assert!((n / 7.0 - 1_000.0).abs() < 120.0, "{n} posts in a week");
}

#[test]
fn daily_and_weekly_rhythm_are_visible() {
    let posts = week();
    let mut by_hour = [0usize; 24];
    let mut by_weekday = [0usize; 7];
    for p in posts {
        by_hour[p.post.created_at.hour() as usize] += 1;
        by_weekday[p.post.created_at.weekday().num_days_from_monday() as usize] += 1;
    }
    let night: usize = by_hour[2..6].iter().sum();
    let afternoon: usize = by_hour[14..18].iter().sum();
    assert!(
        night * 2 < afternoon,
        "night {night} vs afternoon {afternoon}: {by_hour:?}"
    );
    let weekend = (by_weekday[5] + by_weekday[6]) as f64 / 2.0;
    // Monday and Friday are free of incidents in the demo week.
    let weekdays = (by_weekday[0] + by_weekday[4]) as f64 / 2.0;
    assert!(
        weekend < weekdays,
        "weekend {weekend} vs weekdays {weekdays}: {by_weekday:?}"
    );
}

fn complaints_about(
    posts: &[SimPost],
    subject: &str,
    from: chrono::DateTime<chrono::Utc>,
    hours: i64,
) -> usize {
    let to = from + chrono::Duration::hours(hours);
    posts
        .iter()
        .filter(|p| p.post.created_at >= from && p.post.created_at < to)
        .filter(|p| {
            p.truth.intent == Intent::Complaint && p.truth.subject.as_deref() == Some(subject)
        })
        .count()
}

#[test]
fn incidents_raise_complaints_about_their_product() {
    let start = monday();
    let incident_start = start + chrono::Duration::hours(2 * 24 + 12);
    let mut config = SimConfig::demo(11, start, chrono::Duration::days(4));
    config.incidents = vec![Incident {
        start: incident_start,
        duration: chrono::Duration::hours(24),
        product: "vantelo".into(),
        intensity: 8.0,
        topic: "battery overheating".into(),
    }];
    let posts = run(config);
    let during = complaints_about(&posts, "Vantelo", incident_start, 24);
    let before = complaints_about(
        &posts,
        "Vantelo",
        incident_start - chrono::Duration::days(1),
        24,
    );
    assert!(
        during > before * 2 + 20,
        "{during} complaints during vs {before} before"
    );
    // Other products are unaffected.
    let grindra_during = complaints_about(&posts, "Grindra", incident_start, 24);
    let grindra_before = complaints_about(
        &posts,
        "Grindra",
        incident_start - chrono::Duration::days(1),
        24,
    );
    assert!(
        grindra_during < grindra_before * 2 + 10,
        "{grindra_during} vs {grindra_before}"
    );
    // Posts the incident wrote are inside its window and mention its topic in English.
    let written: Vec<&SimPost> = posts
        .iter()
        .filter(|p| p.truth.incident && p.post.reply_to.is_none())
        .filter(|p| p.truth.repost_of.is_none() && p.truth.near_duplicate_of.is_none())
        .filter(|p| p.post.network != Network::Feed)
        .collect();
    assert!(written.len() > 50, "{}", written.len());
    for p in &written {
        assert!(p.post.created_at >= incident_start);
        assert!(p.post.created_at < incident_start + chrono::Duration::hours(24));
        assert_eq!(p.truth.subject.as_deref(), Some("Vantelo"));
    }
    let english_on_topic = written
        .iter()
        .filter(|p| p.post.language.as_deref() == Some("en"))
        .filter(|p| {
            p.post.text.to_lowercase().contains("battery overheating")
                || p.post.text.contains("BatteryOverheating")
        })
        .count();
    assert!(
        english_on_topic > written.len() / 3,
        "{english_on_topic} of {}",
        written.len()
    );
}

#[test]
fn an_incident_ramps_up_then_decays() {
    let start = monday();
    let mut config = SimConfig::demo(5, start, chrono::Duration::days(2));
    config.posts_per_day = 4_000.0;
    config.incidents = vec![Incident {
        start: start + chrono::Duration::hours(12),
        duration: chrono::Duration::hours(20),
        product: "Grindra".into(),
        intensity: 20.0,
        topic: "burr misalignment".into(),
    }];
    let posts = run(config);
    let incident_posts = |from: i64, to: i64| {
        posts
            .iter()
            .filter(|p| {
                p.truth.incident && p.post.reply_to.is_none() && p.truth.repost_of.is_none()
            })
            .filter(|p| {
                let h = (p.post.created_at - start).num_minutes() as f64 / 60.0;
                h >= from as f64 && h < to as f64
            })
            .count()
    };
    let ramp = incident_posts(12, 14);
    let peak = incident_posts(15, 17);
    let tail = incident_posts(29, 31);
    assert!(
        peak > ramp && peak > tail * 2,
        "ramp {ramp}, peak {peak}, tail {tail}"
    );
}

#[test]
fn replies_reference_earlier_posts_on_the_same_network() {
    let posts = week();
    let mut seen: HashMap<(Network, &str), &SimPost> = HashMap::new();
    let mut replies = 0;
    let mut brand_replies = 0;
    let mut deep = 0;
    let brand_handles: HashSet<String> = [
        Network::X,
        Network::Mastodon,
        Network::Bluesky,
        Network::Reddit,
    ]
    .iter()
    .filter_map(|&n| World::demo().brand.handle_on(n))
    .collect();
    for p in posts {
        let network = p.post.network;
        if let Some(parent) = &p.post.reply_to {
            replies += 1;
            let parent_post = seen
                .get(&(network, parent.as_str()))
                .unwrap_or_else(|| panic!("reply {} to unknown {parent}", p.post.native_id));
            let root = p
                .post
                .conversation_id
                .as_deref()
                .expect("replies have a conversation");
            let root_post = seen
                .get(&(network, root))
                .expect("the root was posted before");
            assert!(
                root_post.post.reply_to.is_none(),
                "a root replies to nothing"
            );
            assert_eq!(
                parent_post
                    .post
                    .conversation_id
                    .as_deref()
                    .unwrap_or(&parent_post.post.native_id),
                root
            );
            if parent_post.post.reply_to.is_some() {
                deep += 1;
            }
            if brand_handles.contains(&p.post.author.handle) {
                brand_replies += 1;
            }
        } else {
            assert!(p.post.conversation_id.is_none());
        }
        seen.insert((network, p.post.native_id.as_str()), p);
    }
    assert!(replies > posts.len() / 8, "{replies} replies");
    assert!(deep > 50, "{deep} replies to replies");
    assert!(brand_replies > 50, "{brand_replies} brand replies");
}

#[test]
fn reposts_and_copies_point_to_earlier_posts_with_their_own_ids() {
    let posts = week();
    let mut seen: HashMap<(Network, &str), &SimPost> = HashMap::new();
    let (mut reposts, mut copies, mut spam_copies) = (0, 0, 0);
    for p in posts {
        let key = (p.post.network, p.post.native_id.as_str());
        if let Some(original) = &p.truth.repost_of {
            reposts += 1;
            let o = seen
                .get(&(p.post.network, original.as_str()))
                .expect("reposted post exists");
            assert_ne!(o.post.native_id, p.post.native_id);
            assert!(
                p.post.text.ends_with(&o.post.text),
                "{} / {}",
                p.post.text,
                o.post.text
            );
            if p.post.network == Network::X {
                assert!(p.post.text.starts_with("RT @"), "{}", p.post.text);
            }
            assert_eq!(o.truth.intent, p.truth.intent);
        }
        if let Some(original) = &p.truth.near_duplicate_of {
            copies += 1;
            let o = seen
                .get(&(p.post.network, original.as_str()))
                .expect("copied post exists");
            assert_ne!(o.post.text, p.post.text);
            assert_ne!(o.post.author.handle, p.post.author.handle);
            if p.truth.spam {
                spam_copies += 1;
            }
        }
        seen.insert(key, p);
    }
    assert!(reposts > 300, "{reposts} reposts");
    assert!(copies > 100, "{copies} copies");
    assert!(spam_copies > 20, "{spam_copies} spam copies");
}

#[test]
fn native_ids_are_unique_and_look_like_each_network() {
    let posts = week();
    let mut ids = HashSet::new();
    let mut networks = HashSet::new();
    for p in posts {
        let post = &p.post;
        assert!(
            ids.insert((post.network, post.native_id.clone())),
            "duplicate {}",
            post.native_id
        );
        networks.insert(post.network);
        let id = post.native_id.as_str();
        let url = post.url.as_deref().unwrap();
        let handle = post.author.handle.as_str();
        match post.network {
            Network::X => {
                assert!(
                    id.len() >= 18 && id.bytes().all(|b| b.is_ascii_digit()),
                    "{id}"
                );
                assert_eq!(url, format!("https://x.com/{handle}/status/{id}"));
                assert!(handle.len() <= 15 && !handle.contains('@'));
            }
            Network::Mastodon => {
                assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
                let (user, instance) = handle.split_once('@').expect("user@instance");
                assert_eq!(url, format!("https://{instance}/@{user}/{id}"));
            }
            Network::Bluesky => {
                assert!(
                    id.starts_with("at://did:plc:") && id.contains("/app.bsky.feed.post/"),
                    "{id}"
                );
                assert!(handle.ends_with(".bsky.social"), "{handle}");
                let rkey = id.rsplit('/').next().unwrap();
                assert_eq!(rkey.len(), 13);
                assert_eq!(
                    url,
                    format!("https://bsky.app/profile/{handle}/post/{rkey}")
                );
            }
            Network::Reddit => {
                if post.reply_to.is_none() {
                    assert!(id.starts_with("t3_"), "{id}");
                    assert!(post.title.is_some());
                } else {
                    assert!(id.starts_with("t1_"), "{id}");
                }
                assert!(url.starts_with("https://www.reddit.com/r/"), "{url}");
            }
            Network::HackerNews => {
                assert!(id.parse::<u64>().is_ok(), "{id}");
                assert_eq!(url, format!("https://news.ycombinator.com/item?id={id}"));
            }
            Network::Feed => {
                assert!(id.starts_with("https://") && id.contains("/?p="), "{id}");
                assert!(post.title.is_some());
                assert!(
                    url.starts_with(&format!("https://{handle}/2026/03/")),
                    "{url}"
                );
            }
            other => panic!("unexpected network {other}"),
        }
    }
    for n in [
        Network::X,
        Network::Mastodon,
        Network::Bluesky,
        Network::Reddit,
        Network::HackerNews,
        Network::Feed,
    ] {
        assert!(networks.contains(&n), "no posts on {n}");
    }
}

#[test]
fn several_languages_are_present() {
    let posts = week();
    let mut by_language: HashMap<&str, usize> = HashMap::new();
    for p in posts {
        *by_language.entry(p.truth.lang.as_str()).or_default() += 1;
        // Only the networks whose APIs say so declare a language.
        let declares = matches!(
            p.post.network,
            Network::Mastodon | Network::Bluesky | Network::X
        );
        assert_eq!(p.post.language.is_some(), declares, "{:?}", p.post);
        if let Some(declared) = &p.post.language {
            assert_eq!(declared, &p.truth.lang);
        }
    }
    let total = posts.len() as f64;
    assert!(by_language["en"] as f64 / total > 0.5, "{by_language:?}");
    for code in ["es", "fr", "de", "pt-BR"] {
        let share = by_language.get(code).copied().unwrap_or(0) as f64 / total;
        assert!(share > 0.02, "{code}: {share} ({by_language:?})");
    }
    assert_eq!(by_language.len(), 5, "{by_language:?}");
}

#[test]
fn every_intent_and_sentiment_occurs_and_subjects_are_monitors() {
    let posts = week();
    let intents: HashSet<Intent> = posts.iter().map(|p| p.truth.intent).collect();
    assert_eq!(intents.len(), Intent::ALL.len(), "{intents:?}");
    let sentiments: HashSet<Sentiment> = posts.iter().map(|p| p.truth.sentiment).collect();
    assert_eq!(sentiments.len(), 3);
    let monitors = World::demo().suggested_monitors();
    let names: HashSet<&str> = monitors
        .iter()
        .filter(|m| m.kind != MonitorKind::Campaign)
        .map(|m| m.name.as_str())
        .collect();
    let mut off_topic = 0;
    for p in posts {
        match &p.truth.subject {
            Some(s) => assert!(names.contains(s.as_str()), "subject {s} is no monitor"),
            None => off_topic += 1,
        }
        assert_eq!(
            p.truth.spam,
            p.truth.intent == Intent::Spam,
            "{:?}",
            p.truth
        );
    }
    assert!(off_topic > posts.len() / 20, "{off_topic} off-topic posts");
    let campaign = posts
        .iter()
        .filter(|p| p.post.text.to_lowercase().contains("#orvellamornings"))
        .count();
    assert!(campaign > 100, "{campaign} campaign posts");
    let caps = posts
        .iter()
        .filter(|p| p.truth.intent == Intent::Complaint)
        .filter(|p| {
            let letters: Vec<char> = p
                .post
                .text
                .split(' ')
                .filter(|w| !w.starts_with('@') && !w.starts_with('#') && !w.starts_with("http"))
                .flat_map(str::chars)
                .filter(|c| c.is_alphabetic())
                .collect();
            letters.len() > 10 && letters.iter().all(|c| !c.is_lowercase())
        })
        .count();
    assert!(caps > 10, "{caps} shouted complaints");
    let urls = posts
        .iter()
        .filter(|p| p.post.text.contains("https://"))
        .count();
    assert!(urls > 100, "{urls} posts with links");
}

#[test]
fn followers_are_long_tailed_and_drive_engagement() {
    let posts = week();
    let mut followers: HashMap<&str, u64> = HashMap::new();
    for p in posts {
        if let Some(f) = p.post.author.followers {
            followers.insert(&p.post.author.handle, f);
        }
    }
    let mut counts: Vec<u64> = followers.values().copied().collect();
    counts.sort_unstable();
    let n = counts.len();
    assert!(n > 1_000, "{n} authors with followers");
    let median = counts[n / 2];
    let mean = counts.iter().sum::<u64>() as f64 / n as f64;
    let top: u64 = counts[n - n / 100..].iter().sum();
    let total: u64 = counts.iter().sum();
    assert!(median < 1_000, "median {median}");
    assert!(mean > 3.0 * median as f64, "mean {mean} vs median {median}");
    assert!(
        *counts.last().unwrap() >= 100_000,
        "max {}",
        counts.last().unwrap()
    );
    assert!(
        top as f64 > 0.3 * total as f64,
        "top 1% hold {top} of {total}"
    );

    // Repeat authors: some people post many times.
    let mut per_author: HashMap<&str, usize> = HashMap::new();
    for p in posts {
        *per_author.entry(&p.post.author.handle).or_default() += 1;
    }
    let heavy = per_author.values().filter(|&&c| c >= 15).count();
    assert!(heavy > 20, "{heavy} authors with 15+ posts");

    // Engagement grows with followers.
    let mut social: Vec<&SimPost> = posts
        .iter()
        .filter(|p| p.post.author.followers.is_some() && p.truth.repost_of.is_none())
        .collect();
    social.sort_by_key(|p| p.post.author.followers);
    let tenth = social.len() / 10;
    let likes = |part: &[&SimPost]| {
        part.iter().map(|p| p.post.engagement.likes).sum::<u64>() as f64 / part.len() as f64
    };
    let low = likes(&social[..tenth]);
    let high = likes(&social[social.len() - tenth..]);
    assert!(high > 10.0 * (low + 0.1), "likes: low {low}, high {high}");
}

#[test]
fn invalid_configs_are_errors_not_panics() {
    let base = SimConfig::demo(1, monday(), chrono::Duration::hours(1));
    let check = |f: &dyn Fn(&mut SimConfig)| {
        let mut c = base.clone();
        f(&mut c);
        Simulator::new(c).map(|_| ()).unwrap_err()
    };
    assert!(matches!(
        check(&|c| c.posts_per_day = -1.0),
        SimError::InvalidRate { .. }
    ));
    assert!(matches!(
        check(&|c| c.posts_per_day = f64::NAN),
        SimError::InvalidRate { .. }
    ));
    assert!(matches!(
        check(&|c| c.posts_per_day = f64::INFINITY),
        SimError::InvalidRate { .. }
    ));
    assert!(matches!(
        check(&|c| c.duration = chrono::Duration::zero()),
        SimError::NonPositiveDuration { .. }
    ));
    assert!(matches!(
        check(&|c| c.duration = chrono::Duration::hours(-3)),
        SimError::NonPositiveDuration { .. }
    ));
    assert!(matches!(
        check(&|c| c.authors = 0),
        SimError::InvalidAuthors { .. }
    ));
    assert!(matches!(
        check(&|c| c.incidents[0].product = "Nope".into()),
        SimError::InvalidIncident { index: 0, .. }
    ));
    assert!(matches!(
        check(&|c| c.incidents[1].intensity = -2.0),
        SimError::InvalidIncident { index: 1, .. }
    ));
    assert!(matches!(
        check(&|c| c.incidents[0].duration = chrono::Duration::zero()),
        SimError::InvalidIncident { .. }
    ));
    assert!(matches!(
        check(&|c| c.world.brand.name.clear()),
        SimError::InvalidWorld { .. }
    ));
    assert!(matches!(
        check(&|c| c.start = chrono::DateTime::<chrono::Utc>::MAX_UTC),
        SimError::WindowOutOfRange
    ));
    for extreme in [
        chrono::DateTime::<chrono::Utc>::MAX_UTC,
        chrono::DateTime::<chrono::Utc>::MIN_UTC,
    ] {
        for days in [-3, 0, 1, 7, 400] {
            // The demo builder never panics; windows that fit are simulated.
            let demo = SimConfig::demo(1, extreme, chrono::Duration::days(days));
            if let Ok(sim) = Simulator::new(demo) {
                assert!(extreme == chrono::DateTime::<chrono::Utc>::MIN_UTC && days > 0);
                for p in sim.take(300) {
                    assert!(p.post.created_at >= extreme);
                }
            }
        }
    }
    let message = check(&|c| c.posts_per_day = -1.0).to_string();
    assert!(message.contains("posts_per_day"), "{message}");

    // A rate of zero is valid: nothing happens.
    let mut quiet = base.clone();
    quiet.posts_per_day = 0.0;
    assert_eq!(run(quiet).len(), 0);
}

#[test]
fn odd_but_valid_configs_do_not_panic() {
    let start = monday();
    // A tiny world with one author, no competitors and no products.
    let mut config = SimConfig::demo(9, start, chrono::Duration::hours(6));
    config.authors = 1;
    config.incidents.clear();
    config.world.competitors.clear();
    config.world.brand.products.clear();
    config.world.campaign_hashtag.clear();
    assert!(!run(config).is_empty());

    // Far past and far future, sub-millisecond windows, incidents outside the window,
    // intensity below one, a huge rate over a short window.
    for (start, duration) in [
        (
            chrono::Utc.with_ymd_and_hms(1901, 1, 1, 0, 0, 0).unwrap(),
            chrono::Duration::hours(2),
        ),
        (
            chrono::Utc
                .with_ymd_and_hms(9999, 12, 31, 20, 0, 0)
                .unwrap(),
            chrono::Duration::hours(2),
        ),
        (start, chrono::Duration::microseconds(300)),
    ] {
        let mut config = SimConfig::demo(1, start, duration);
        config.incidents[0].start = start - chrono::Duration::days(30);
        config.incidents[1].intensity = 0.5;
        let posts = run(config);
        for p in &posts {
            assert!(p.post.created_at >= start && p.post.created_at < start + duration);
        }
    }
    let mut busy = SimConfig::demo(2, start, chrono::Duration::seconds(10));
    busy.posts_per_day = 1e9;
    let posts = run(busy);
    assert!(posts.len() > 30_000, "{}", posts.len());
    let mut ids = HashSet::new();
    assert!(posts
        .iter()
        .all(|p| ids.insert((p.post.network, p.post.native_id.clone()))));
}

#[test]
fn posts_and_configs_serialise() {
    let posts = run(SimConfig::demo(4, monday(), chrono::Duration::hours(2)));
    let line = serde_json::to_string(&posts[0]).unwrap();
    assert!(
        line.starts_with("{\"post\":{") && line.contains("\"truth\":{\"intent\":"),
        "{line}"
    );
    for p in &posts {
        let json = serde_json::to_string(p).unwrap();
        let back: SimPost = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, p);
    }
    let purchase = serde_json::to_string(&Intent::PurchaseIntent).unwrap();
    assert_eq!(purchase, "\"purchase_intent\"");

    let config = SimConfig::demo(4, monday(), chrono::Duration::days(7));
    let json = serde_json::to_value(&config).unwrap();
    assert_eq!(json["duration"], 604_800);
    let back: SimConfig = serde_json::from_value(json).unwrap();
    assert_eq!(back, config);
    // Authors default when absent; fractional seconds are accepted.
    let mut json = serde_json::to_value(&config).unwrap();
    json.as_object_mut().unwrap().remove("authors");
    json["duration"] = serde_json::json!(90.5);
    let back: SimConfig = serde_json::from_value(json).unwrap();
    assert_eq!(back.authors, rapport_sim::DEFAULT_AUTHORS);
    // A minimal config: the world defaults to the demo world.
    let minimal: SimConfig = serde_json::from_str(
        r#"{"seed": 1, "start": "2026-03-02T00:00:00Z", "duration": 3600, "posts_per_day": 500}"#,
    )
    .unwrap();
    assert_eq!(minimal.world, World::demo());
    assert!(minimal.incidents.is_empty());

    fn send<T: Send + 'static>() {}
    send::<Simulator>();
    send::<SimPost>();
    assert_eq!(back.duration, chrono::Duration::milliseconds(90_500));
}

#[test]
fn demo_config_schedules_incidents_inside_the_window() {
    let start = monday();
    let duration = chrono::Duration::days(7);
    let config = SimConfig::demo(1, start, duration);
    assert!(!config.incidents.is_empty());
    for i in &config.incidents {
        assert!(i.start >= start && i.start + i.duration <= start + duration);
        assert!(i.intensity > 1.0);
    }
    config.validate().unwrap();
    let posts = week();
    let incident = posts.iter().filter(|p| p.truth.incident).count();
    assert!(incident > 100, "{incident} incident posts in the demo week");
}
