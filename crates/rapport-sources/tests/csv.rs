//! CSV import on small inline files.

mod common;

use common::{fixed_now, open, posts, rows, summary, utc};
use rapport_model::Network;
use rapport_sources::file::{FileError, FileFormat::Csv, FileReader, ImportOptions};

#[test]
fn good_csv_fills_every_field() {
    let csv = "\
id,handle,display,fans,date,link,headline,language,parent,thread,hearts,shares,comments,net,body
42,@acme,Acme Coffee,1200,2015-02-24 11:35:52 -0800,https://x.test/42,A title,en,41,40,3,2,1,x,\"Hello, \"\"world\"\"\"
";
    let map = "id=id,author=handle,author_name=display,followers=fans,created=date,url=link,\
               title=headline,lang=language,reply_to=parent,conversation=thread,likes=hearts,\
               reposts=shares,replies=comments,network=net,text=body";
    let post = posts(Csv, csv, Some(map)).remove(0);
    assert_eq!(post.network, Network::X);
    assert_eq!(post.native_id, "42");
    assert_eq!(post.author.handle, "acme");
    assert_eq!(post.author.display_name.as_deref(), Some("Acme Coffee"));
    assert_eq!(post.author.followers, Some(1200));
    assert_eq!(post.created_at, utc("2015-02-24T19:35:52Z"));
    assert_eq!(post.url.as_deref(), Some("https://x.test/42"));
    assert_eq!(post.title.as_deref(), Some("A title"));
    assert_eq!(post.language.as_deref(), Some("en"));
    assert_eq!(post.reply_to.as_deref(), Some("41"));
    assert_eq!(post.conversation_id.as_deref(), Some("40"));
    assert_eq!(
        (
            post.engagement.likes,
            post.engagement.reposts,
            post.engagement.replies
        ),
        (3, 2, 1)
    );
    assert_eq!(post.text, "Hello, \"world\"");
}

#[test]
fn default_map_uses_the_columns_that_exist() {
    let csv = "text,author,likes,extra\n  spaced text  ,@bob,7,x\n";
    let post = posts(Csv, csv, None).remove(0);
    assert_eq!(post.text, "  spaced text  ", "text is kept exactly");
    assert_eq!(post.author.handle, "bob");
    assert_eq!(post.engagement.likes, 7);
    assert_eq!(post.network, Network::Import);
    assert_eq!(
        post.created_at,
        fixed_now(),
        "no created column: the default date"
    );
    assert!(post.native_id.starts_with("h:"), "{}", post.native_id);
    assert_eq!(post.language, None);
}

#[test]
fn missing_optional_values_get_defaults() {
    let csv = "text,author,author_name,followers,likes,lang\nhi,,,,,und\nyo,@,  ,, ,\n";
    for post in posts(Csv, csv, None) {
        assert_eq!(post.author.handle, "unknown");
        assert_eq!(post.author.display_name, None);
        assert_eq!(post.author.followers, None);
        assert_eq!(post.engagement.likes, 0);
        assert_eq!(post.language, None);
    }
}

#[test]
fn ids_are_kept_as_text() {
    let csv = "id,text\n5.70306e+17,a\n 570306133677760513 ,b\n007,c\n";
    let ids: Vec<String> = posts(Csv, csv, None)
        .into_iter()
        .map(|p| p.native_id)
        .collect();
    assert_eq!(ids, ["5.70306e+17", "570306133677760513", "007"]);
}

#[test]
fn line_numbers_count_physical_lines_after_embedded_newlines() {
    let csv = "id,text,created\n\
               1,\"multi\nline\ntext\",2015-02-24\n\
               2,,2015-02-24\n\
               3,\"another\r\nline\",yesterday\n\
               \n\
               4,\"ok\",2015-02-24\n\
               5,,2015-02-24";
    let got = summary(&rows(Csv, csv, Some("id=id,text=text,created=created")));
    assert_eq!(got[0], Ok("multi\nline\ntext".to_string()));
    assert_eq!(
        got[1],
        Err("line 5: missing text (column 'text' is empty)".to_string())
    );
    let bad_date = got[2].as_ref().unwrap_err();
    assert!(
        bad_date.starts_with("line 6: bad created in column 'created': unrecognised date 'yesterday' (accepted: RFC 3339"),
        "{bad_date}"
    );
    assert_eq!(got[3], Ok("ok".to_string()));
    assert_eq!(
        got[4],
        Err("line 10: missing text (column 'text' is empty)".to_string())
    );
    assert_eq!(got.len(), 5);
}

#[test]
fn crlf_and_blank_lines_keep_line_numbers() {
    let csv = "text,likes\r\na,1\r\n\r\nb,x\r\nc,-2\r\n\r\n\r\nd,3\r\n";
    let got = summary(&rows(Csv, csv, None));
    assert_eq!(
        got,
        [
            Ok("a".to_string()),
            Err(
                "line 4: bad likes 'x' in column 'likes' (expected a whole number, 0 or more)"
                    .to_string()
            ),
            Err(
                "line 5: bad likes '-2' in column 'likes' (expected a whole number, 0 or more)"
                    .to_string()
            ),
            Ok("d".to_string()),
        ]
    );
}

#[test]
fn bad_numbers_name_the_field() {
    let csv = "text,rt,fans\na,1.5,1\nb,2,lots\nc,3.0,1e3\n";
    let got = summary(&rows(Csv, csv, Some("text=text,reposts=rt,followers=fans")));
    assert!(got[0]
        .as_ref()
        .unwrap_err()
        .contains("bad reposts '1.5' in column 'rt'"));
    assert!(got[1]
        .as_ref()
        .unwrap_err()
        .contains("bad followers 'lots' in column 'fans'"));
    assert_eq!(got[2], Ok("c".to_string()));
}

#[test]
fn missing_text_variants() {
    let csv = "id,text\n1,\n2,   \n3,\"\"\n";
    let got = summary(&rows(Csv, csv, None));
    assert_eq!(
        got,
        [
            Err("line 2: missing text (column 'text' is empty)".to_string()),
            Err("line 3: missing text (column 'text' is blank)".to_string()),
            Err("line 4: missing text (column 'text' is empty)".to_string()),
        ]
    );
}

#[test]
fn mapped_created_is_required() {
    let csv = "text,when\na,\nb,1424806552000\n";
    let got = rows(Csv, csv, Some("text=text,created=when"));
    assert_eq!(
        got[0].as_ref().unwrap_err().to_string(),
        "line 2: missing created (column 'when' is empty)"
    );
    assert_eq!(
        got[1].as_ref().unwrap().created_at,
        utc("2015-02-24T19:35:52Z")
    );
}

#[test]
fn wrong_field_counts_are_row_errors() {
    let csv = "id,text,created\n1,a,2015-02-24\n2,too,many,fields\n3\n4,d,2015-02-24\n";
    let got = summary(&rows(Csv, csv, None));
    assert_eq!(
        got,
        [
            Ok("a".to_string()),
            Err(
                "line 3: wrong number of fields (expected 3, found 4); broken quoting?".to_string()
            ),
            Err(
                "line 4: wrong number of fields (expected 3, found 1); broken quoting?".to_string()
            ),
            Ok("d".to_string()),
        ]
    );
}

#[test]
fn broken_quoting_in_the_middle_spoils_one_line_only() {
    // Line 3 opens a quote that never closes; the crate alone would swallow line 4 into it.
    let csv = "id,text,created\n\
               1,hello,2015-02-24\n\
               2,\"broken text,2015-02-24\n\
               3,\"fine, with a comma\",2015-02-24\n\
               4,plain,2015-02-24\n\
               5,\"multi\nline\",2015-02-24\n\
               6,last,2015-02-24\n";
    let got = summary(&rows(Csv, csv, None));
    assert_eq!(got.len(), 6, "{got:#?}");
    assert_eq!(got[0], Ok("hello".to_string()));
    let err = got[1].as_ref().unwrap_err();
    assert!(err.starts_with("line 3: broken quoting"), "{err}");
    assert_eq!(got[2], Ok("fine, with a comma".to_string()));
    assert_eq!(got[3], Ok("plain".to_string()));
    assert_eq!(got[4], Ok("multi\nline".to_string()));
    assert_eq!(got[5], Ok("last".to_string()));
}

#[test]
fn a_quote_left_open_to_the_end_of_the_file_spoils_one_line_only() {
    let csv = "id,text,created\n\
               1,\"never closed,2015-02-24\n\
               2,plain,2015-02-24\n\
               3,plain too,2015-02-24\n";
    let got = summary(&rows(Csv, csv, None));
    assert!(got[0]
        .as_ref()
        .unwrap_err()
        .starts_with("line 2: broken quoting"));
    assert_eq!(
        &got[1..],
        [Ok("plain".to_string()), Ok("plain too".to_string())]
    );
    // The ids of the rows after it are right too.
    let ids: Vec<String> = rows(Csv, csv, None)
        .into_iter()
        .filter_map(Result::ok)
        .map(|p| p.native_id)
        .collect();
    assert_eq!(ids, ["2", "3"]);
}

#[test]
fn broken_quoting_is_caught_even_when_the_field_count_happens_to_fit() {
    // The quote before `quoted` closes line 2's stray one; the crate alone would return
    // one 3-field record holding lines 2 and 3.
    let csv = "id,text,created\n\
               1,\"broken,2015-02-24\n\
               2,\"quoted\",2015-02-24\n\
               3,plain,2015-02-24\n";
    let got = summary(&rows(Csv, csv, None));
    assert!(
        got[0]
            .as_ref()
            .unwrap_err()
            .starts_with("line 2: broken quoting"),
        "{got:?}"
    );
    assert_eq!(
        &got[1..],
        [Ok("quoted".to_string()), Ok("plain".to_string())]
    );
}

#[test]
fn sloppy_quotes_inside_a_multi_line_field_are_read_leniently() {
    // Unescaped quotes inside a multi-line field: malformed, but the record fits the
    // header, so it is kept as the csv crate reads it rather than split.
    let csv = "id,text\n1,\"first line\nhe said \"hi\" there\"\n2,ok\n";
    let got = summary(&rows(Csv, csv, None));
    assert_eq!(
        got,
        [
            Ok("first line\nhe said hi\" there\"".to_string()),
            Ok("ok".to_string())
        ]
    );
}

#[test]
fn sloppy_quotes_on_one_line_are_read_leniently() {
    // Text after a closing quote: the csv crate keeps it, and so do we.
    let csv = "id,text\n1,\"say \"hi\" now\n2,ok\n";
    let got = summary(&rows(Csv, csv, None));
    assert_eq!(got, [Ok("say hi\" now".to_string()), Ok("ok".to_string())]);
}

#[test]
fn invalid_utf8_spoils_its_row_only() {
    let mut csv = b"id,text,other\n1,caf\xe9,x\n2,fine,\xff\xfe\n".to_vec();
    csv.extend_from_slice("3,d\u{e9}j\u{e0} vu,y\n".as_bytes());
    let got = summary(&rows(Csv, &csv, None));
    assert_eq!(
        got,
        [
            Err("line 2: invalid UTF-8 in column 'text'".to_string()),
            Ok("fine".to_string()),
            Ok("déjà vu".to_string()),
        ]
    );
}

#[test]
fn per_row_network_overrides_the_default() {
    let csv = "text,network\na,\nb,mastodon\nc,Twitter\nd,myspace\n";
    let got = rows(Csv, csv, Some("text=text,network=network"));
    let networks: Vec<_> = got
        .iter()
        .take(3)
        .map(|r| r.as_ref().unwrap().network)
        .collect();
    assert_eq!(networks, [Network::Import, Network::Mastodon, Network::X]);
    let err = got[3].as_ref().unwrap_err().to_string();
    assert!(
        err.starts_with("line 5: unknown network 'myspace' (expected one of:")
            && err.ends_with("in column 'network'"),
        "{err}"
    );
}

#[test]
fn derived_ids_are_stable() {
    let csv = "author,created,text\n\
               @acme,2015-02-24 11:35:52 -0800,hello\n\
               acme,2015-02-24T19:35:52Z,hello\n\
               acme,2015-02-24 11:35:52 -0800,hello!\n\
               bob,2015-02-24 11:35:52 -0800,hello\n";
    let first: Vec<String> = posts(Csv, csv, None)
        .into_iter()
        .map(|p| p.native_id)
        .collect();
    let again: Vec<String> = posts(Csv, csv, None)
        .into_iter()
        .map(|p| p.native_id)
        .collect();
    assert_eq!(first, again, "same file, same ids");
    assert!(first
        .iter()
        .all(|id| id.starts_with("h:") && id.len() == 34));
    assert_eq!(first[0], first[1], "same author, instant and text: same id");
    assert_ne!(first[0], first[2]);
    assert_ne!(first[0], first[3]);
    // Without a date column the ids do not depend on the import time.
    let undated = "author,text\nacme,hello\n";
    let a = posts(Csv, undated, None).remove(0);
    let mut options = common::options(Csv, None);
    options.default_created = utc("2030-01-01T00:00:00Z");
    let b = FileReader::from_reader(undated.as_bytes(), options)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(a.native_id, b.native_id);
}

#[test]
fn header_problems_are_file_errors() {
    let err = open(Csv, "tweet_id,body\n1,a\n", Some("text=tweet,id=tweet_id")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'tweet' named in --map text=tweet is not in the header; the header has: tweet_id, body"
    );
    let err = open(Csv, "tweet_id,txet\n", Some("text=text")).unwrap_err();
    assert!(matches!(err, FileError::NoTextColumn { .. }));
    assert_eq!(
        err.to_string(),
        "the header has no 'text' column; say which column holds the text with --map \
         text=COLUMN (the header has: tweet_id, txet)"
    );
    let err = open(Csv, "id,text\n", Some("id=tweet_idd")).unwrap_err();
    assert!(
        err.to_string().ends_with("the header has: id, text"),
        "{err}"
    );
    let err = open(Csv, "tweet_id,text\n", Some("id=tweet_idd")).unwrap_err();
    assert!(
        err.to_string().ends_with("(did you mean 'tweet_id'?)"),
        "{err}"
    );
    assert!(matches!(open(Csv, "", None), Err(FileError::Empty { .. })));
    assert_eq!(
        open(Csv, "\n\n", None).unwrap_err().to_string(),
        "the input is empty"
    );
    let err = open(Csv, b"te\xffxt\n".as_slice(), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bad header: column 1 of the header is not valid UTF-8"
    );
}

#[test]
fn header_matching_forgives_case_spaces_and_a_bom() {
    let csv = "\u{feff}Text , ID\nhello,1\n";
    let post = posts(Csv, csv, Some("text=text,id=id")).remove(0);
    assert_eq!(
        (post.text.as_str(), post.native_id.as_str()),
        ("hello", "1")
    );
    let reader = open(Csv, csv, None).unwrap();
    assert_eq!(reader.columns().unwrap(), ["Text ", " ID"]);
}

#[test]
fn a_header_alone_is_no_rows() {
    assert!(rows(Csv, "id,text\n", None).is_empty());
}

#[test]
fn open_reads_files_and_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("posts.csv");
    std::fs::write(&path, "id,text\n1,a\n2,b\n").unwrap();
    let mut reader = FileReader::open(&path, ImportOptions::new(Csv)).unwrap();
    assert_eq!(reader.total_bytes(), Some(16));
    assert_eq!(reader.bytes_read(), 8, "the header");
    assert!(reader.next().unwrap().is_ok());
    assert_eq!(reader.bytes_read(), 12);
    assert!(reader.next().unwrap().is_ok());
    assert!(reader.next().is_none());
    assert_eq!(reader.bytes_read(), 16);
    assert!(reader.next().is_none());

    let missing = dir.path().join("nope.csv");
    let err = FileReader::open(&missing, ImportOptions::new(Csv)).unwrap_err();
    assert!(matches!(err, FileError::NotFound { .. }));
    assert!(
        err.to_string().ends_with("nope.csv: file not found"),
        "{err}"
    );
    let err = FileReader::open(dir.path(), ImportOptions::new(Csv)).unwrap_err();
    assert!(matches!(err, FileError::NotAFile { .. }), "{err}");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let err = FileReader::open(&empty, ImportOptions::new(Csv)).unwrap_err();
    assert_eq!(err.to_string(), format!("{} is empty", empty.display()));
}
