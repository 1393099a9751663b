//! Every route of the application in one table, each with the [`Access`] it requires.
//!
//! The router is built from this table and nothing else, so a route cannot exist without
//! a declared access; [`route_specs`] exports the table so the role-matrix test notices a
//! route it has no expectation for. Public routes (`Access::Public`: health, assets, login,
//! and webhooks that bring their own authentication) go through the same table.

use axum::{
    http::Method,
    routing::{delete, get, post, put, MethodRouter},
};
use rapport_model::Role;

use super::{
    alerts, analytics, api, authors, campaigns, events, exports, inbox, inbox_pages, login, media,
    monitors, pages, performance, publish_pages, publishing, query, replies, report_schedule,
    reports, sentiment, slots, sources, surveys, themes, users, webhook,
};
use crate::{
    auth::{Access, Kind},
    AppState,
};

/// A route's method, path (axum syntax, `{id}` is always a workspace id) and access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// The HTTP method.
    pub method: Method,
    /// The path pattern.
    pub path: &'static str,
    /// What the caller needs.
    pub access: Access,
}

impl RouteSpec {
    /// JSON under `/api`, HTML elsewhere.
    pub fn kind(&self) -> Kind {
        if self.path.starts_with("/api/") {
            Kind::Api
        } else {
            Kind::Page
        }
    }
}

/// A route and its handler.
pub(crate) struct Route {
    pub(crate) spec: RouteSpec,
    pub(crate) handler: MethodRouter<AppState>,
}

fn route(
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        spec: RouteSpec {
            method,
            path,
            access,
        },
        handler,
    }
}

/// The table.
pub(crate) fn routes() -> Vec<Route> {
    use Access::{InstanceAdmin, Public, SignedIn, Workspace};
    use Method as M;
    let mut table = vec![
        route(M::GET, "/healthz", Public, get(crate::healthz)),
        route(M::GET, "/login", Public, get(login::page)),
        route(M::POST, "/login", Public, post(login::submit)),
        route(M::POST, "/logout", SignedIn, post(login::logout)),
        route(M::GET, "/", SignedIn, get(pages::index)),
        route(
            M::GET,
            "/w/{id}",
            Workspace(Role::Viewer),
            get(pages::workspace_page),
        ),
        route(
            M::GET,
            "/w/{id}/users",
            Workspace(Role::Admin),
            get(users::page),
        ),
        route(
            M::POST,
            "/w/{id}/users",
            Workspace(Role::Admin),
            post(users::add_member),
        ),
        route(
            M::POST,
            "/w/{id}/tokens",
            Workspace(Role::Admin),
            post(users::create_token),
        ),
        route(
            M::POST,
            "/w/{id}/tokens/{token_id}/revoke",
            Workspace(Role::Admin),
            post(users::revoke_token),
        ),
        route(
            M::POST,
            "/api/v1/hooks/{source_id}",
            Public,
            webhook::handler(),
        ),
        route(
            M::GET,
            "/api/v1/openapi.json",
            Public,
            get(crate::openapi::openapi_json),
        ),
        route(M::GET, "/api/v1/workspaces", SignedIn, get(api::workspaces)),
        route(M::GET, "/api/v1/stats", SignedIn, get(api::stats)),
        route(M::GET, "/api/v1/query/check", SignedIn, get(query::check)),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/counts",
            Workspace(Role::Viewer),
            get(api::counts),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/mentions",
            Workspace(Role::Viewer),
            get(api::mentions),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/preview",
            Workspace(Role::Manager),
            get(query::preview),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/monitors",
            Workspace(Role::Manager),
            post(api::create_monitor),
        ),
        route(
            M::PUT,
            "/api/v1/workspaces/{id}/monitors/{monitor}",
            Workspace(Role::Manager),
            put(api::update_monitor),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/audit",
            Workspace(Role::Admin),
            get(api::workspace_audit),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/inbox",
            Workspace(Role::Agent),
            get(inbox::list),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/inbox/{item}",
            Workspace(Role::Agent),
            get(inbox::detail),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/inbox/{item}",
            Workspace(Role::Agent),
            post(inbox::change),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/inbox/{item}/replies",
            Workspace(Role::Agent),
            post(replies::reply),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/inbox/{item}/notes",
            Workspace(Role::Agent),
            post(inbox::add_note),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/inbox/{item}/corrections",
            Workspace(Role::Agent),
            post(inbox::correct),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/reply-templates",
            Workspace(Role::Agent),
            get(inbox::templates),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/reply-templates",
            Workspace(Role::Manager),
            post(inbox::save_template),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/response-times",
            Workspace(Role::Viewer),
            get(inbox::response_times),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/events",
            Workspace(Role::Viewer),
            get(events::events),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/rollups",
            Workspace(Role::Viewer),
            get(analytics::rollups),
        ),
        route(
            M::GET,
            "/w/{id}/monitors",
            Workspace(Role::Viewer),
            get(monitors::page),
        ),
        route(
            M::POST,
            "/w/{id}/monitors",
            Workspace(Role::Manager),
            post(monitors::create),
        ),
        route(
            M::GET,
            "/w/{id}/response-times",
            Workspace(Role::Viewer),
            get(performance::page),
        ),
        route(
            M::GET,
            "/w/{id}/themes",
            Workspace(Role::Viewer),
            get(themes::page),
        ),
        route(
            M::GET,
            "/w/{id}/sources",
            Workspace(Role::Viewer),
            get(sources::page),
        ),
        route(
            M::POST,
            "/w/{id}/sources",
            Workspace(Role::Admin),
            post(sources::create),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/sources",
            Workspace(Role::Viewer),
            get(sources::api_list),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/sources",
            Workspace(Role::Admin),
            post(sources::api_add),
        ),
        route(
            M::GET,
            "/w/{id}/inbox",
            Workspace(Role::Agent),
            get(inbox_pages::list),
        ),
        route(
            M::GET,
            "/w/{id}/inbox/{item}",
            Workspace(Role::Agent),
            get(inbox_pages::item),
        ),
        route(
            M::POST,
            "/w/{id}/inbox/{item}",
            Workspace(Role::Agent),
            post(inbox_pages::act),
        ),
        route(
            M::GET,
            "/w/{id}/alerts",
            Workspace(Role::Viewer),
            get(alerts::page),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/alert-rules",
            Workspace(Role::Viewer),
            get(alerts::list_rules),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/alert-rules",
            Workspace(Role::Manager),
            post(alerts::create_rule),
        ),
        route(
            M::DELETE,
            "/api/v1/workspaces/{id}/alert-rules/{rule}",
            Workspace(Role::Manager),
            delete(alerts::delete_rule),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/alerts",
            Workspace(Role::Viewer),
            get(alerts::list_alerts),
        ),
        route(
            M::PUT,
            "/api/v1/workspaces/{id}/alert-rules/{rule}/email",
            Workspace(Role::Manager),
            put(alerts::put_email),
        ),
        route(
            M::POST,
            "/w/{id}/alerts/{rule}/email",
            Workspace(Role::Manager),
            post(alerts::post_email_form),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/report-schedule",
            Workspace(Role::Viewer),
            get(report_schedule::get_schedule),
        ),
        route(
            M::PUT,
            "/api/v1/workspaces/{id}/report-schedule",
            Workspace(Role::Manager),
            put(report_schedule::put_schedule),
        ),
        route(
            M::POST,
            "/w/{id}/report-schedule",
            Workspace(Role::Manager),
            post(report_schedule::post_schedule_form),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/reports/mentions.csv",
            Workspace(Role::Viewer),
            get(reports::export_csv),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/reports/mentions.json",
            Workspace(Role::Viewer),
            get(reports::export_json),
        ),
        route(
            M::GET,
            "/w/{id}/reports/weekly",
            Workspace(Role::Viewer),
            get(reports::weekly_page),
        ),
        route(
            M::GET,
            "/w/{id}/authors",
            Workspace(Role::Viewer),
            get(authors::page),
        ),
        route(
            M::GET,
            "/w/{id}/authors/{author}",
            Workspace(Role::Viewer),
            get(authors::author_page),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/authors",
            Workspace(Role::Viewer),
            get(authors::list),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/authors/{author}",
            Workspace(Role::Viewer),
            get(authors::one),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/influencers",
            Workspace(Role::Viewer),
            get(exports::influencers),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/share-of-voice",
            Workspace(Role::Viewer),
            get(exports::share_of_voice),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/top-posts",
            Workspace(Role::Viewer),
            get(exports::top_posts),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/themes",
            Workspace(Role::Viewer),
            get(themes::api),
        ),
        route(
            M::GET,
            "/w/{id}/sentiment",
            Workspace(Role::Viewer),
            get(sentiment::page),
        ),
        route(
            M::GET,
            "/w/{id}/reports/weekly.pdf",
            Workspace(Role::Viewer),
            get(reports::weekly_pdf),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/accounts",
            Workspace(Role::Agent),
            get(publishing::list_accounts),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/accounts",
            Workspace(Role::Admin),
            post(publishing::create_account),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/drafts",
            Workspace(Role::Agent),
            get(publishing::list),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/drafts",
            Workspace(Role::Agent),
            post(publishing::create),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/drafts/{draft}",
            Workspace(Role::Agent),
            get(publishing::detail),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/approve",
            Workspace(Role::Manager),
            post(publishing::approve_route),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/comments",
            Workspace(Role::Agent),
            post(publishing::comment_route),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/schedule",
            Workspace(Role::Agent),
            post(publishing::schedule_route),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/cancel",
            Workspace(Role::Agent),
            post(publishing::cancel_route),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/queue",
            Workspace(Role::Agent),
            post(slots::queue_route),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/slots",
            Workspace(Role::Agent),
            get(slots::list_route),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/slots",
            Workspace(Role::Manager),
            post(slots::create_route),
        ),
        route(
            M::DELETE,
            "/api/v1/workspaces/{id}/slots/{slot}",
            Workspace(Role::Manager),
            delete(slots::delete_route),
        ),
        route(
            M::GET,
            "/w/{id}/publish",
            Workspace(Role::Agent),
            get(publish_pages::compose),
        ),
        route(
            M::POST,
            "/w/{id}/publish",
            Workspace(Role::Agent),
            post(publish_pages::submit),
        ),
        route(
            M::POST,
            "/w/{id}/accounts",
            Workspace(Role::Admin),
            post(publish_pages::add_account),
        ),
        route(
            M::POST,
            "/w/{id}/settings",
            Workspace(Role::Admin),
            post(publish_pages::settings),
        ),
        route(
            M::POST,
            "/w/{id}/slots",
            Workspace(Role::Manager),
            post(slots::form_route),
        ),
        route(
            M::GET,
            "/w/{id}/calendar",
            Workspace(Role::Agent),
            get(publish_pages::calendar),
        ),
        route(
            M::GET,
            "/w/{id}/drafts/{draft}",
            Workspace(Role::Agent),
            get(publish_pages::draft_page),
        ),
        route(
            M::POST,
            "/w/{id}/drafts/{draft}",
            Workspace(Role::Agent),
            post(publish_pages::draft_action),
        ),
        route(
            M::GET,
            "/api/v1/audit",
            InstanceAdmin,
            get(api::instance_audit),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/drafts/{draft}/poll",
            Workspace(Role::Agent),
            get(publishing::poll_results),
        ),
        // Images on drafts and link previews (`routes::media`).
        route(
            M::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/media",
            Workspace(Role::Agent),
            media::upload_handler(),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/drafts/{draft}/media",
            Workspace(Role::Agent),
            get(media::list),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/media/{media}",
            Workspace(Role::Agent),
            get(media::raw),
        ),
        route(
            M::PUT,
            "/api/v1/workspaces/{id}/media/{media}",
            Workspace(Role::Agent),
            put(media::set_alt),
        ),
        route(
            M::DELETE,
            "/api/v1/workspaces/{id}/media/{media}",
            Workspace(Role::Agent),
            delete(media::remove),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/link-preview",
            Workspace(Role::Agent),
            post(media::link_preview),
        ),
        // Survey pages: the public form (no login; its own cookie and form token) and the
        // team's pages and API.
        route(M::GET, "/s/{code}", Public, get(surveys::page)),
        route(M::POST, "/s/{code}", Public, post(surveys::submit)),
        route(
            M::GET,
            "/w/{id}/surveys",
            Workspace(Role::Viewer),
            get(surveys::list_page),
        ),
        route(
            M::POST,
            "/w/{id}/surveys",
            Workspace(Role::Manager),
            post(surveys::create_page),
        ),
        route(
            M::GET,
            "/w/{id}/surveys/{survey}",
            Workspace(Role::Viewer),
            get(surveys::results_page),
        ),
        route(
            M::POST,
            "/w/{id}/surveys/{survey}",
            Workspace(Role::Manager),
            post(surveys::action_page),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/surveys",
            Workspace(Role::Viewer),
            get(surveys::list_api),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/surveys",
            Workspace(Role::Manager),
            post(surveys::create_api),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/surveys/{survey}",
            Workspace(Role::Viewer),
            get(surveys::results_api),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/surveys/{survey}/export",
            Workspace(Role::Viewer),
            get(surveys::export_api),
        ),
        // Short links (public: a click from anyone, counted) and campaigns.
        route(M::GET, "/l/{code}", Public, get(campaigns::redirect)),
        route(
            M::GET,
            "/w/{id}/campaigns",
            Workspace(Role::Viewer),
            get(campaigns::list_page),
        ),
        route(
            M::POST,
            "/w/{id}/campaigns",
            Workspace(Role::Manager),
            post(campaigns::create_page),
        ),
        route(
            M::GET,
            "/w/{id}/campaigns/{campaign}",
            Workspace(Role::Viewer),
            get(campaigns::report_page),
        ),
        route(
            M::POST,
            "/w/{id}/link-settings",
            Workspace(Role::Manager),
            post(campaigns::link_settings_form),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/campaigns",
            Workspace(Role::Viewer),
            get(campaigns::list_api),
        ),
        route(
            M::POST,
            "/api/v1/workspaces/{id}/campaigns",
            Workspace(Role::Manager),
            post(campaigns::create_api),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/campaigns/{campaign}",
            Workspace(Role::Viewer),
            get(campaigns::report_api),
        ),
        route(
            M::GET,
            "/api/v1/workspaces/{id}/link-settings",
            Workspace(Role::Viewer),
            get(campaigns::get_link_settings),
        ),
        route(
            M::PUT,
            "/api/v1/workspaces/{id}/link-settings",
            Workspace(Role::Manager),
            put(campaigns::put_link_settings),
        ),
    ];
    for (path, handler) in crate::assets::routes() {
        table.push(route(M::GET, path, Public, handler));
    }
    table
}

/// Every route's method, path and access, in table order.
pub fn route_specs() -> Vec<RouteSpec> {
    routes().into_iter().map(|route| route.spec).collect()
}
