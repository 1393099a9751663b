//! `--map` and `--format` parsing.

use rapport_sources::file::{Field, FieldMap, FileFormat, MapError};
use std::path::Path;

#[test]
fn parses_the_documented_airline_map() {
    let map: FieldMap =
        "id=tweet_id,text=text,author=name,created=tweet_created,reposts=retweet_count"
            .parse()
            .unwrap();
    assert!(map.is_explicit());
    assert_eq!(map.get(Field::Id), Some("tweet_id"));
    assert_eq!(map.get(Field::Author), Some("name"));
    assert_eq!(map.get(Field::Likes), None);
    assert_eq!(
        map.to_string(),
        "text=text,id=tweet_id,author=name,created=tweet_created,reposts=retweet_count"
    );
    assert_eq!(map.to_string().parse::<FieldMap>().unwrap(), map);
}

#[test]
fn text_defaults_to_the_text_column_and_spaces_are_ignored() {
    let map: FieldMap = " id = tweet_id , author=user.screen_name,, "
        .parse()
        .unwrap();
    assert_eq!(map.get(Field::Text), Some("text"));
    assert_eq!(map.get(Field::Author), Some("user.screen_name"));
    let map: FieldMap = "text=a=b".parse().unwrap();
    assert_eq!(map.get(Field::Text), Some("a=b"));
    let map: FieldMap = "TEXT=body".parse().unwrap();
    assert_eq!(map.get(Field::Text), Some("body"));
}

#[test]
fn default_map_is_the_identity() {
    let map = FieldMap::default();
    assert!(!map.is_explicit());
    for field in Field::ALL {
        assert_eq!(map.get(field), Some(field.name()));
    }
}

#[test]
fn errors_name_the_bad_part() {
    let err = |s: &str| s.parse::<FieldMap>().unwrap_err().to_string();
    assert_eq!(
        err("txt=body"),
        "unknown field 'txt' in --map (did you mean 'text'?)"
    );
    assert_eq!(
        err("text=a,created_at=b"),
        "unknown field 'created_at' in --map (did you mean 'created'?)"
    );
    assert_eq!(
        err("text=a,lnag=b"),
        "unknown field 'lnag' in --map (did you mean 'lang'?)"
    );
    assert_eq!(
        err("retweets=rt"),
        "unknown field 'retweets' in --map (did you mean 'reposts'?)"
    );
    assert!(err("zebra=x").starts_with(
        "unknown field 'zebra' in --map (valid fields: text, id, author, author_name"
    ));
    assert_eq!(
        err("text"),
        "'text' in --map has no '=' (expected FIELD=COLUMN, e.g. text=text)"
    );
    assert_eq!(
        err("id=1,text= "),
        "empty column name for 'text' in --map (expected text=COLUMN)"
    );
    assert_eq!(
        err("text=a,id=b,text=c"),
        "field 'text' appears twice in --map"
    );
    assert_eq!(
        err(""),
        "--map is empty (expected FIELD=COLUMN,..., e.g. text=tweet,created=date)"
    );
    assert_eq!(" , ".parse::<FieldMap>(), Err(MapError::Empty));
    assert_eq!(
        "txt=a".parse::<FieldMap>(),
        Err(MapError::UnknownField {
            name: "txt".into(),
            suggestion: Some("text")
        })
    );
}

#[test]
fn formats() {
    assert_eq!("csv".parse::<FileFormat>().unwrap(), FileFormat::Csv);
    assert_eq!(" JSONL ".parse::<FileFormat>().unwrap(), FileFormat::Jsonl);
    assert_eq!("ndjson".parse::<FileFormat>().unwrap(), FileFormat::Jsonl);
    assert_eq!(
        "xml".parse::<FileFormat>().unwrap_err().to_string(),
        "unknown format 'xml' (expected csv or jsonl)"
    );
    for (path, format) in [
        ("a/b.csv", Some(FileFormat::Csv)),
        ("B.CSV", Some(FileFormat::Csv)),
        ("x.jsonl", Some(FileFormat::Jsonl)),
        ("x.ndjson", Some(FileFormat::Jsonl)),
        ("x.jsonlines", Some(FileFormat::Jsonl)),
        ("x.json", None),
        ("x.csv.gz", None),
        ("noext", None),
    ] {
        assert_eq!(FileFormat::from_path(Path::new(path)), format, "{path}");
    }
    assert_eq!(FileFormat::Jsonl.to_string(), "jsonl");
}

#[test]
fn readers_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<rapport_sources::file::FileReader>();
    assert_send::<rapport_sources::file::FileError>();
}
