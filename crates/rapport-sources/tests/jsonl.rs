//! JSONL import on small inline files.

mod common;

use common::{fixed_now, open, posts, rows, summary, utc};
use rapport_model::Network;
use rapport_sources::file::{FileError, FileFormat::Jsonl};

const TWEET_MAP: &str = "id=id,text=full_text,author=user.screen_name,author_name=user.name,\
                         followers=user.followers_count,created=created_at,likes=favorite_count,\
                         reposts=retweet_count,reply_to=in_reply_to_status_id,lang=lang,\
                         url=entities.urls.0.expanded_url";

#[test]
fn twitter_v1_objects_with_dotted_paths() {
    let line = r#"{"created_at": "Wed Oct 10 20:19:24 +0000 2018", "id": 1050118621198921728, "full_text": "Hello \"there\"\nsecond line \u00e9 &amp;", "user": {"screen_name": "@acme", "name": "Acme", "followers_count": 1200.0, "entities": {}}, "favorite_count": 3, "retweet_count": 1, "in_reply_to_status_id": null, "lang": "en", "entities": {"hashtags": [], "urls": [{"expanded_url": "https://acme.test/a"}]}}"#;
    let post = posts(Jsonl, line, Some(TWEET_MAP)).remove(0);
    assert_eq!(
        post.native_id, "1050118621198921728",
        "more than 2^53, every digit kept"
    );
    assert_eq!(post.text, "Hello \"there\"\nsecond line é &amp;");
    assert_eq!(post.author.handle, "acme");
    assert_eq!(post.author.display_name.as_deref(), Some("Acme"));
    assert_eq!(post.author.followers, Some(1200));
    assert_eq!(post.created_at, utc("2018-10-10T20:19:24Z"));
    assert_eq!((post.engagement.likes, post.engagement.reposts), (3, 1));
    assert_eq!(post.reply_to, None);
    assert_eq!(post.language.as_deref(), Some("en"));
    assert_eq!(post.url.as_deref(), Some("https://acme.test/a"));
    assert_eq!(post.network, Network::Import);
}

#[test]
fn huge_and_odd_numeric_ids_keep_their_text() {
    let input = "{\"id\": 123456789012345678901234567890, \"text\": \"a\"}\n\
                 {\"id\": 5.70306e+17, \"text\": \"b\"}\n\
                 {\"id\": \"570306133677760513\", \"text\": \"c\"}\n\
                 {\"id\": true, \"text\": 12}\n";
    let got: Vec<(String, String)> = posts(Jsonl, input, None)
        .into_iter()
        .map(|p| (p.native_id, p.text))
        .collect();
    assert_eq!(
        got,
        [
            ("123456789012345678901234567890".into(), "a".into()),
            ("5.70306e+17".into(), "b".into()),
            ("570306133677760513".into(), "c".into()),
            ("true".into(), "12".into()),
        ]
    );
}

#[test]
fn bad_lines_are_row_errors_with_line_and_column() {
    let input = "{\"text\": \"one\"}\n\
                 \n\
                 {\"text\": \"two\",}\n\
                 [1, 2]\n\
                 \"just a string\"\n\
                 {\"text\": \"three\"} trailing\n\
                 {\"text\": \"four\"\n\
                 \t  \r\n\
                 {\"text\": \"five\"}";
    let got = summary(&rows(Jsonl, input, None));
    assert_eq!(got[0], Ok("one".to_string()));
    assert_eq!(
        got[1],
        Err("line 3: invalid JSON at column 16: trailing comma".to_string())
    );
    assert_eq!(
        got[2],
        Err("line 4: expected a JSON object, found an array".to_string())
    );
    assert_eq!(
        got[3],
        Err("line 5: expected a JSON object, found a string".to_string())
    );
    assert_eq!(
        got[4],
        Err("line 6: invalid JSON at column 19: trailing characters".to_string())
    );
    assert_eq!(
        got[5],
        Err("line 7: invalid JSON at column 15: EOF while parsing an object".to_string())
    );
    assert_eq!(got[6], Ok("five".to_string()));
    assert_eq!(got.len(), 7);
}

#[test]
fn invalid_utf8_spoils_its_line_only() {
    let input = b"{\"text\": \"caf\xe9\"}\n{\"text\": \"ok\"}\n".to_vec();
    let got = summary(&rows(Jsonl, &input, None));
    assert_eq!(
        got,
        [
            Err("line 1: invalid UTF-8 at column 14".to_string()),
            Ok("ok".to_string())
        ]
    );
}

#[test]
fn missing_text_says_how() {
    let input = "{\"id\": 1}\n{\"text\": null}\n{\"text\": \"\"}\n{\"text\": \" \"}\n{\"text\": {\"a\": 1}}\n";
    let got = summary(&rows(Jsonl, input, None));
    assert_eq!(
        got,
        [
            Err("line 1: missing text (key 'text' is absent)".to_string()),
            Err("line 2: missing text (key 'text' is null)".to_string()),
            Err("line 3: missing text (key 'text' is empty)".to_string()),
            Err("line 4: missing text (key 'text' is blank)".to_string()),
            Err(
                "line 5: bad text in key 'text': expected a string or number, found an object"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn created_is_required_only_when_mapped_explicitly() {
    let input = "{\"text\": \"a\"}\n{\"text\": \"b\", \"created\": 1424806552}\n{\"text\": \"c\", \"created\": null}\n";
    // Default map: used where present.
    let dates: Vec<_> = posts(Jsonl, input, None)
        .into_iter()
        .map(|p| p.created_at)
        .collect();
    assert_eq!(
        dates,
        [fixed_now(), utc("2015-02-24T19:35:52Z"), fixed_now()]
    );
    // Explicit map: every row must have it.
    let got = summary(&rows(Jsonl, input, Some("text=text,created=created")));
    assert_eq!(
        got,
        [
            Err("line 1: missing created (key 'created' is absent)".to_string()),
            Ok("b".to_string()),
            Err("line 3: missing created (key 'created' is null)".to_string()),
        ]
    );
}

#[test]
fn counts_and_networks_from_json_values() {
    let input = "{\"text\": \"a\", \"likes\": \"7\", \"reposts\": 2.0, \"network\": \"bsky\"}\n\
                 {\"text\": \"b\", \"likes\": -1}\n\
                 {\"text\": \"c\", \"likes\": [1]}\n\
                 {\"text\": \"d\", \"network\": \"friendster\"}\n";
    let got = rows(Jsonl, input, None);
    let a = got[0].as_ref().unwrap();
    assert_eq!((a.engagement.likes, a.engagement.reposts), (7, 2));
    assert_eq!(a.network, Network::Bluesky);
    assert_eq!(
        got[1].as_ref().unwrap_err().to_string(),
        "line 2: bad likes '-1' in key 'likes' (expected a whole number, 0 or more)"
    );
    assert_eq!(
        got[2].as_ref().unwrap_err().to_string(),
        "line 3: bad likes in key 'likes': expected a string or number, found an array"
    );
    assert!(got[3]
        .as_ref()
        .unwrap_err()
        .to_string()
        .starts_with("line 4: unknown network 'friendster'"));
}

#[test]
fn flattened_dotted_keys_work_too() {
    let input = "{\"user.screen_name\": \"flat\", \"text\": \"a\"}\n\
                 {\"user\": {\"screen_name\": \"nested\"}, \"text\": \"b\"}\n";
    let handles: Vec<String> = posts(Jsonl, input, Some("author=user.screen_name"))
        .into_iter()
        .map(|p| p.author.handle)
        .collect();
    assert_eq!(handles, ["flat", "nested"]);
}

#[test]
fn derived_ids_are_stable() {
    let input = "{\"text\": \"hi\", \"author\": \"a\", \"created\": \"2015-02-24\"}\n\
                 {\"text\": \"hi\", \"author\": \"a\", \"created\": \"2015-02-24T00:00:00Z\"}\n\
                 {\"text\": \"hi\", \"author\": \"b\", \"created\": \"2015-02-24\"}\n";
    let ids: Vec<String> = posts(Jsonl, input, None)
        .into_iter()
        .map(|p| p.native_id)
        .collect();
    let again: Vec<String> = posts(Jsonl, input, None)
        .into_iter()
        .map(|p| p.native_id)
        .collect();
    assert_eq!(ids, again);
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
    assert!(ids[0].starts_with("h:"));
}

#[test]
fn empty_inputs_are_file_errors() {
    for input in ["", "\n\n  \r\n"] {
        let err = open(Jsonl, input, None).unwrap_err();
        assert!(matches!(err, FileError::Empty { .. }), "{err}");
    }
    // A BOM and leading blank lines are fine; line numbers still count them.
    let got = rows(Jsonl, "\u{feff}\n\n{\"text\": }\n", None);
    assert_eq!(
        got[0].as_ref().unwrap_err().to_string(),
        "line 3: invalid JSON at column 10: expected value"
    );
}

#[test]
fn progress_counts_bytes() {
    let input = "{\"text\": \"a\"}\n{\"text\": \"b\"}\n";
    let mut reader = open(Jsonl, input, None).unwrap();
    assert_eq!(reader.total_bytes(), None);
    assert!(reader.columns().is_none());
    while reader.next().is_some() {}
    assert_eq!(reader.bytes_read(), input.len() as u64);
}
