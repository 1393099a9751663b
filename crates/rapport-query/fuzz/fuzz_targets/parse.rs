//! Parses arbitrary input as a query; when it parses, checks that the canonical form parses
//! back to the same query and that the compiled engine and the reference evaluator agree on
//! a few documents (the input itself among them). On an error, checks its column.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_model::{MonitorId, Network};
use rapport_query::{Document, MatcherSet, Query};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match Query::parse(input) {
        Ok(query) => {
            let canonical = query.to_string();
            let again = Query::parse(&canonical)
                .unwrap_or_else(|e| panic!("canonical form {canonical:?} does not parse: {e}"));
            assert_eq!(again, query, "canonical form {canonical:?} parses differently");
            let set = MatcherSet::compile([(MonitorId(1), &query)]);
            let urls = vec!["https://shop.acme.com/x".to_string()];
            let docs = [
                Document::new(input),
                Document::new(input).with_title(input).with_author(input).with_lang(input),
                Document::new("Acme's big sale! #Acme @acme@mastodon.social café refunds")
                    .with_author("acme")
                    .with_lang("en-US")
                    .with_network(Network::Mastodon)
                    .with_urls(&urls),
                Document::new("").with_title("Launch of the Acme roaster"),
            ];
            for doc in &docs {
                let naive = query.matches(doc);
                let compiled = set.matches(doc) == [MonitorId(1)];
                assert_eq!(naive, compiled, "engines disagree on {canonical:?}");
            }
        }
        Err(error) => {
            let column = error.column();
            assert!(column >= 1 && column <= input.chars().count() + 1);
            let _ = error.to_string();
        }
    }
});
