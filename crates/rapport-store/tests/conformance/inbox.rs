//! The inbox: items created by the batch writer, ranking, pagination, handling, replies,
//! templates, corrections and response times.

use crate::backend::{AnyStore, Backend};
use chrono::{Duration, TimeZone, Utc};
use rapport_model::{
    Author, Engagement, InboxReason, InboxStatus, Intent, MonitorId, MonitorKind, Network,
    NewMonitor, Post, SentimentLabel, Triage, Workspace,
};
use rapport_store::inbox::{AssigneeFilter, Correction, InboxQuery, InboxUpdate, ReplyState};
use rapport_store::{IngestItem, StoreError};
use std::sync::Arc;

conformance!(
    the_batch_writer_files_posts_that_need_an_answer_once_per_workspace,
    the_inbox_ranks_by_priority_with_waiting_time_and_pages_by_cursor,
    handling_an_item_records_who_did_what_and_response_times,
    replies_left_pending_by_a_crash_are_found_after_a_restart,
    templates_and_corrections_belong_to_their_workspace,
);

fn post(id: &str, minutes: i64) -> Post {
    Post {
        network: Network::Mastodon,
        native_id: id.to_string(),
        url: None,
        author: Author::new(format!("author{id}")),
        title: None,
        text: format!("post {id} about lumora"),
        language: Some("en".into()),
        created_at: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
            + Duration::minutes(minutes),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

fn item(post: Post, monitors: Vec<MonitorId>, triage: Option<(InboxReason, f64)>) -> IngestItem {
    IngestItem {
        post,
        monitors,
        analysis: None,
        triage: triage.map(|(reason, base_priority)| Triage {
            reason,
            base_priority,
        }),
    }
}

struct Fixture {
    _backend: Backend,
    store: Arc<dyn AnyStore>,
    ws: Workspace,
    other: Workspace,
    brand: MonitorId,
    product: MonitorId,
    other_brand: MonitorId,
}

async fn fixture(backend: Backend) -> Fixture {
    let store = backend.store.clone();
    let ws = store.create_workspace("Lumora").await.unwrap();
    let other = store.create_workspace("Agency client").await.unwrap();
    let monitor = |workspace: &Workspace, name: &str| NewMonitor {
        workspace_id: workspace.id,
        name: name.into(),
        kind: MonitorKind::Brand,
        query: "lumora".into(),
    };
    let brand = store
        .create_monitor(monitor(&ws, "Brand"))
        .await
        .unwrap()
        .id;
    let product = store
        .create_monitor(monitor(&ws, "Product"))
        .await
        .unwrap()
        .id;
    let other_brand = store
        .create_monitor(monitor(&other, "Theirs"))
        .await
        .unwrap()
        .id;
    Fixture {
        _backend: backend,
        store,
        ws,
        other,
        brand,
        product,
        other_brand,
    }
}

async fn the_batch_writer_files_posts_that_need_an_answer_once_per_workspace(b: Backend) {
    let f = fixture(b).await;
    let items = vec![
        // Matched by two monitors of one workspace and one of another: one item in each.
        item(
            post("1", 0),
            vec![f.brand, f.product, f.other_brand],
            Some((InboxReason::Complaint, 3.5)),
        ),
        // Needs no answer.
        item(post("2", 1), vec![f.brand], None),
        // Needs an answer but matched nothing: nobody's inbox.
        item(post("3", 2), vec![], Some((InboxReason::Question, 2.0))),
    ];
    let outcome = f.store.write_batch(items.clone()).await.unwrap();
    assert_eq!(outcome.new_inbox_items, 2);
    // Storing the batch again (a replay after a crash) files nothing twice.
    let again = f.store.write_batch(items).await.unwrap();
    assert_eq!(again.new_inbox_items, 0);

    let mine = f
        .store
        .inbox(f.ws.id, &InboxQuery::default())
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    let entry = &mine[0];
    assert_eq!(entry.post.post.native_id, "1");
    assert_eq!(entry.reason, InboxReason::Complaint);
    assert_eq!(entry.status, InboxStatus::New);
    assert_eq!(
        entry.monitors,
        vec!["Brand".to_string(), "Product".to_string()]
    );
    assert_eq!(entry.arrived_at, post("1", 0).created_at);
    let theirs = f
        .store
        .inbox(f.other.id, &InboxQuery::default())
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].monitors, vec!["Theirs".to_string()]);
    // The filter counts follow, per workspace, replays included.
    for ws in [f.ws.id, f.other.id] {
        let counts = f.store.inbox_counts(ws).await.unwrap();
        assert!(counts.contains(&(InboxStatus::New, 1)), "{counts:?}");
        assert!(counts.contains(&(InboxStatus::Open, 0)), "{counts:?}");
    }
    // Another workspace's item is invisible through this one.
    assert!(f
        .store
        .inbox_item(f.ws.id, theirs[0].id)
        .await
        .unwrap()
        .is_none());
    let err = f
        .store
        .update_inbox_item(f.ws.id, theirs[0].id, InboxUpdate::default(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "inbox item",
                ..
            }
        ),
        "{err}"
    );
}

async fn the_inbox_ranks_by_priority_with_waiting_time_and_pages_by_cursor(b: Backend) {
    let f = fixture(b).await;
    // (id, minutes after the first, base priority). An hour of waiting is worth 0.25.
    let spec = [
        ("a", 0, 2.0),   // rank 2.0 at t0
        ("b", 60, 2.1),  // arrived an hour later: 2.1 - 0.25 = 1.85 at t0
        ("c", 0, 3.0),   // highest
        ("d", 240, 3.9), // 3.9 - 1.0 = 2.9
        ("e", 30, 1.0),
    ];
    let items = spec
        .iter()
        .map(|(id, minutes, base)| {
            item(
                post(id, *minutes),
                vec![f.brand],
                Some((InboxReason::Question, *base)),
            )
        })
        .collect();
    f.store.write_batch(items).await.unwrap();
    let all = f
        .store
        .inbox(f.ws.id, &InboxQuery::default())
        .await
        .unwrap();
    let order: Vec<&str> = all.iter().map(|e| e.post.post.native_id.as_str()).collect();
    assert_eq!(order, ["c", "d", "a", "b", "e"]);
    let now = post("a", 0).created_at + Duration::hours(10);
    let priority = all[2].priority_at(now);
    assert!((priority - (2.0 + 2.5)).abs() < 1e-6, "{priority}");

    let mut pages = Vec::new();
    let mut query = InboxQuery {
        limit: 2,
        ..InboxQuery::default()
    };
    loop {
        let page = f.store.inbox(f.ws.id, &query).await.unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        query.after = Some(rapport_store::inbox::InboxCursor {
            rank_key: last.rank_key,
            id: last.id,
        });
        // Through text and back, as an API client would.
        query.after = Some(query.after.unwrap().to_string().parse().unwrap());
        pages.extend(page.into_iter().map(|e| e.post.post.native_id));
    }
    assert_eq!(pages, ["c", "d", "a", "b", "e"]);
}

async fn handling_an_item_records_who_did_what_and_response_times(b: Backend) {
    let f = fixture(b).await;
    let mut root = post("r", 0);
    root.text = "my lumora grinder broke".into();
    let mut reply = post("s", 5);
    reply.reply_to = Some("r".into());
    reply.conversation_id = Some("r".into());
    f.store
        .write_batch(vec![
            item(
                root.clone(),
                vec![f.brand],
                Some((InboxReason::Complaint, 3.0)),
            ),
            item(reply, vec![], None),
        ])
        .await
        .unwrap();
    let entry = f
        .store
        .inbox(f.ws.id, &InboxQuery::default())
        .await
        .unwrap()[0]
        .clone();
    let thread = f.store.conversation(entry.post.id, 50).await.unwrap();
    let ids: Vec<&str> = thread.iter().map(|p| p.post.native_id.as_str()).collect();
    assert_eq!(ids, ["r", "s"]);

    let agent = 7;
    let assigned = f
        .store
        .update_inbox_item(
            f.ws.id,
            entry.id,
            InboxUpdate {
                status: Some(InboxStatus::Open),
                assignee: Some(Some(agent)),
            },
            Some(1),
        )
        .await
        .unwrap();
    assert_eq!(
        (assigned.status, assigned.assignee),
        (InboxStatus::Open, Some(agent))
    );
    let mine = f
        .store
        .inbox(
            f.ws.id,
            &InboxQuery {
                assignee: AssigneeFilter::User(agent),
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    let unassigned = InboxQuery {
        assignee: AssigneeFilter::Unassigned,
        ..InboxQuery::default()
    };
    assert!(f
        .store
        .inbox(f.ws.id, &unassigned)
        .await
        .unwrap()
        .is_empty());

    let note = f
        .store
        .add_inbox_note(f.ws.id, entry.id, Some(agent), "<b>VIP</b> customer")
        .await
        .unwrap();
    assert_eq!(note.body, "<b>VIP</b> customer");
    assert_eq!(
        f.store.inbox_notes(f.ws.id, entry.id).await.unwrap(),
        vec![note]
    );

    // A reply is recorded before it is sent; retrying with the same key finds it.
    let pending = f
        .store
        .begin_reply(f.ws.id, entry.id, Some(agent), "Sorry! DM us", "key-1")
        .await
        .unwrap();
    assert_eq!(pending.state, ReplyState::Pending);
    let retried = f
        .store
        .begin_reply(f.ws.id, entry.id, Some(agent), "Sorry! DM us", "key-1")
        .await
        .unwrap();
    assert_eq!(retried.id, pending.id);
    let sent = f
        .store
        .finish_reply(pending.id, Ok("109876".into()))
        .await
        .unwrap();
    assert_eq!(
        (sent.state, sent.remote_id.as_deref()),
        (ReplyState::Sent, Some("109876"))
    );
    // Answering twice changes nothing.
    let twice = f
        .store
        .finish_reply(pending.id, Err("late error".into()))
        .await
        .unwrap();
    assert_eq!(twice.state, ReplyState::Sent);
    let failed = f
        .store
        .begin_reply(f.ws.id, entry.id, Some(agent), "again", "key-2")
        .await
        .unwrap();
    let failed = f
        .store
        .finish_reply(failed.id, Err("422: text too long".into()))
        .await
        .unwrap();
    assert_eq!(failed.state, ReplyState::Failed);
    assert_eq!(failed.error.as_deref(), Some("422: text too long"));
    assert_eq!(
        f.store
            .inbox_replies(f.ws.id, entry.id)
            .await
            .unwrap()
            .len(),
        2
    );

    let resolved = f
        .store
        .update_inbox_item(
            f.ws.id,
            entry.id,
            InboxUpdate {
                status: Some(InboxStatus::Resolved),
                assignee: None,
            },
            Some(agent),
        )
        .await
        .unwrap();
    assert!(resolved.resolved_at.is_some());
    assert_eq!(resolved.first_responder, Some(agent));
    assert!(resolved.first_response_at.is_some());
    // Resolved items leave the default view and stay reachable by status.
    assert!(f
        .store
        .inbox(f.ws.id, &InboxQuery::default())
        .await
        .unwrap()
        .is_empty());
    let done = InboxQuery {
        statuses: vec![InboxStatus::Resolved],
        ..InboxQuery::default()
    };
    assert_eq!(f.store.inbox(f.ws.id, &done).await.unwrap().len(), 1);
    let counts = f.store.inbox_counts(f.ws.id).await.unwrap();
    assert!(counts.contains(&(InboxStatus::Resolved, 1)));
    assert!(counts.contains(&(InboxStatus::New, 0)));

    let kinds: Vec<String> = f
        .store
        .inbox_events(f.ws.id, entry.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "status",
            "assign",
            "note",
            "reply",
            "reply_failed",
            "status"
        ]
    );

    // Reopening clears the resolution.
    let reopened = f
        .store
        .update_inbox_item(
            f.ws.id,
            entry.id,
            InboxUpdate {
                status: Some(InboxStatus::Open),
                assignee: None,
            },
            Some(agent),
        )
        .await
        .unwrap();
    assert_eq!(reopened.resolved_at, None);

    let stats = f
        .store
        .response_stats(f.ws.id, root.created_at - Duration::days(1), 3600)
        .await
        .unwrap();
    assert_eq!(stats.len(), 2, "{stats:?}");
    assert_eq!(
        (stats[0].user, stats[0].items, stats[0].answered),
        (None, 1, 1)
    );
    assert_eq!(stats[1].user, Some(agent));
    // The post is from 2026-03-01 and was answered now: far outside an hour.
    assert_eq!(stats[0].answered_within_target, Some(0.0));
    assert!(stats[0].median_first_response_secs.unwrap() > 3600.0);
}

async fn templates_and_corrections_belong_to_their_workspace(b: Backend) {
    let f = fixture(b).await;
    f.store
        .write_batch(vec![item(
            post("1", 0),
            vec![f.brand],
            Some((InboxReason::Complaint, 3.0)),
        )])
        .await
        .unwrap();
    let entry = f
        .store
        .inbox(f.ws.id, &InboxQuery::default())
        .await
        .unwrap()[0]
        .clone();

    let first = f
        .store
        .save_reply_template(f.ws.id, "sorry", "Sorry {{author}}!")
        .await
        .unwrap();
    let replaced = f
        .store
        .save_reply_template(f.ws.id, "sorry", "We are sorry, {{author}}.")
        .await
        .unwrap();
    assert_eq!(first.id, replaced.id);
    let listed = f.store.reply_templates(f.ws.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].body, "We are sorry, {{author}}.");
    assert!(f
        .store
        .reply_templates(f.other.id)
        .await
        .unwrap()
        .is_empty());
    assert!(!f
        .store
        .delete_reply_template(f.other.id, first.id)
        .await
        .unwrap());
    assert!(f
        .store
        .delete_reply_template(f.ws.id, first.id)
        .await
        .unwrap());

    let post_id = entry.post.id;
    for correction in [
        Correction::Sentiment(SentimentLabel::Positive),
        Correction::Sentiment(SentimentLabel::Negative),
        Correction::Intent(Intent::Question),
    ] {
        f.store
            .record_correction(f.ws.id, post_id, correction, Some(3))
            .await
            .unwrap();
    }
    let examples = f.store.corrections(f.ws.id).await.unwrap();
    let corrections: Vec<Correction> = examples.iter().map(|e| e.correction).collect();
    assert_eq!(
        corrections,
        [
            Correction::Sentiment(SentimentLabel::Negative),
            Correction::Intent(Intent::Question)
        ]
    );
    assert_eq!(examples[0].text, "post 1 about lumora");
    assert!(f.store.corrections(f.other.id).await.unwrap().is_empty());
    let corrected = f
        .store
        .inbox_item(f.ws.id, entry.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        corrected.corrected_sentiment,
        Some(SentimentLabel::Negative)
    );
    assert_eq!(corrected.corrected_intent, Some(Intent::Question));
    let missing = f
        .store
        .record_correction(
            f.ws.id,
            rapport_model::PostId(9999),
            Correction::Intent(Intent::Praise),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { what: "post", .. }));
}

async fn replies_left_pending_by_a_crash_are_found_after_a_restart(b: Backend) {
    let f = fixture(b).await;
    f.store
        .write_batch(vec![item(
            post("p", 5),
            vec![f.brand],
            Some((InboxReason::Complaint, 3.0)),
        )])
        .await
        .unwrap();
    let entry = f
        .store
        .inbox(f.ws.id, &InboxQuery::default())
        .await
        .unwrap()[0]
        .clone();
    let agent = 7;
    // Recorded but never answered: found; answered ones are not, nor later ones.
    let stuck = f
        .store
        .begin_reply(f.ws.id, entry.id, Some(agent), "lost in a crash", "key-3")
        .await
        .unwrap();
    let later = stuck.created_at + chrono::TimeDelta::milliseconds(1);
    assert_eq!(
        f.store.pending_replies(later).await.unwrap(),
        vec![(f.ws.id, stuck.clone())]
    );
    assert!(f
        .store
        .pending_replies(stuck.created_at)
        .await
        .unwrap()
        .is_empty());
    f.store
        .finish_reply(stuck.id, Ok("109877".into()))
        .await
        .unwrap();
    assert!(f.store.pending_replies(later).await.unwrap().is_empty());
}
