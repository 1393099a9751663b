//! Images attached to drafts: kept with their bytes, listed in upload order, reachable only
//! from their own workspace, gone with their draft.

use crate::backend::Backend;
use rapport_store::media::NewDraftMedia;
use rapport_store::publishing::{DraftId, DraftStatus, NewDraft};
use rapport_store::StoreError;

conformance!(images_are_kept_with_their_bytes_inside_their_workspace);

fn image(workspace: rapport_model::WorkspaceId, draft: DraftId, bytes: &[u8]) -> NewDraftMedia {
    NewDraftMedia {
        workspace_id: workspace,
        draft_id: draft,
        mime: "image/png".into(),
        width: 1200,
        height: 630,
        alt: "A kettle on a stove".into(),
        bytes: bytes.to_vec(),
    }
}

async fn images_are_kept_with_their_bytes_inside_their_workspace(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("globex").await.unwrap();
    let draft = store
        .create_draft(NewDraft {
            workspace_id: ws.id,
            author_id: None,
            text: "New kettle".into(),
            targets: vec![],
            poll: None,
            status: DraftStatus::Draft,
            scheduled_at: None,
        })
        .await
        .unwrap();
    // Every byte value survives, a NUL and invalid UTF-8 included.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let first = store
        .add_draft_media(image(ws.id, draft.id, &bytes))
        .await
        .unwrap();
    assert_eq!(first.size, 70_000);
    assert_eq!((first.width, first.height), (1200, 630));
    assert_eq!(first.draft_id, draft.id);
    let second = store
        .add_draft_media(NewDraftMedia {
            mime: "image/webp".into(),
            alt: String::new(),
            ..image(ws.id, draft.id, b"RIFF....WEBP")
        })
        .await
        .unwrap();
    // Another workspace cannot attach to this draft, nor to a draft that does not exist.
    assert!(matches!(
        store.add_draft_media(image(other.id, draft.id, b"x")).await,
        Err(StoreError::NotFound { what: "draft", .. })
    ));
    assert!(matches!(
        store
            .add_draft_media(image(ws.id, DraftId(9_999), b"x"))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let listed = store.draft_media(ws.id, draft.id).await.unwrap();
    assert_eq!(listed, vec![first.clone(), second.clone()]);
    assert!(store
        .draft_media(other.id, draft.id)
        .await
        .unwrap()
        .is_empty());
    let (read, read_bytes) = store
        .draft_media_bytes(ws.id, first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, first);
    assert_eq!(read_bytes, bytes);
    assert!(store
        .draft_media_bytes(other.id, first.id)
        .await
        .unwrap()
        .is_none());

    store
        .set_media_alt(ws.id, second.id, "Steam over a spout")
        .await
        .unwrap();
    assert!(matches!(
        store.set_media_alt(other.id, second.id, "x").await,
        Err(StoreError::NotFound { .. })
    ));
    let listed = store.draft_media(ws.id, draft.id).await.unwrap();
    assert_eq!(listed[1].alt, "Steam over a spout");
    assert_eq!(listed[1].mime, "image/webp");

    assert!(matches!(
        store.remove_draft_media(other.id, first.id).await,
        Err(StoreError::NotFound { .. })
    ));
    store.remove_draft_media(ws.id, first.id).await.unwrap();
    let listed = store.draft_media(ws.id, draft.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![second.id]
    );
    assert!(matches!(
        store.remove_draft_media(ws.id, first.id).await,
        Err(StoreError::NotFound { .. })
    ));
}
