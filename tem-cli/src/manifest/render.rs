//! A plan as text for people (one block per resource, a summary line) and as JSON for machines.

use std::fmt::Write;

use serde_json::json;

use super::diff::{Action, FieldChange, Plan};

/// The plan as text.
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    for env in &plan.environments {
        let _ = writeln!(out, "environment {}: {}", env.name, verb(env.action, None));
        changes(&mut out, "  ", &env.changes);
    }
    for app in &plan.applications {
        let version = app.deploy.as_ref().filter(|_| app.action == Action::Rollout).map(|d| d.version.as_str());
        let _ =
            writeln!(out, "application {} (environment {}): {}", app.name, app.environment, verb(app.action, version));
        changes(&mut out, "  ", &app.changes);
        if let Some(scaler) = &app.autoscaler {
            let _ = writeln!(out, "  autoscaler {}: {}", scaler.name, verb(scaler.action, None));
            changes(&mut out, "    ", &scaler.changes);
        }
        for service in &app.services {
            let _ = writeln!(out, "  service {}: {}", service.name, verb(service.action, None));
            changes(&mut out, "    ", &service.changes);
        }
    }
    for resource in &plan.not_managed {
        let id = if resource.id.is_empty() { String::new() } else { format!(" ({})", resource.id) };
        let _ = writeln!(out, "{} {}{id}: not managed", resource.kind, resource.name);
    }
    out.push_str(&summary(plan));
    out.push('\n');
    out
}

fn verb(action: Action, version: Option<&str>) -> String {
    match (action, version) {
        (Action::Create, _) => "create".into(),
        (Action::Deploy, _) => "deploy".into(),
        (Action::Rollout, Some(version)) => format!("roll out to {version}"),
        (Action::Rollout, None) => "roll out".into(),
        (Action::Update, _) => "update".into(),
        (Action::Unchanged, _) => "unchanged".into(),
    }
}

fn changes(out: &mut String, indent: &str, changes: &[FieldChange]) {
    for change in changes {
        let _ = match &change.old {
            None => writeln!(out, "{indent}+ {}: {}", change.field, shown(&change.new)),
            Some(old) => writeln!(out, "{indent}~ {}: {} → {}", change.field, shown(old), shown(&change.new)),
        };
    }
}

fn shown(value: &str) -> &str {
    if value.is_empty() {
        "(none)"
    } else {
        value
    }
}

/// `Plan: 1 to create, 1 to roll out, 0 to update, 2 unchanged.` (environments and
/// applications).
pub fn summary(plan: &Plan) -> String {
    let actions: Vec<Action> =
        plan.environments.iter().map(|e| e.action).chain(plan.applications.iter().map(|a| a.action)).collect();
    let count = |wanted: &[Action]| actions.iter().filter(|a| wanted.contains(a)).count();
    format!(
        "Plan: {} to create, {} to roll out, {} to update, {} unchanged, {} not managed.",
        count(&[Action::Create, Action::Deploy]),
        count(&[Action::Rollout]),
        count(&[Action::Update]),
        count(&[Action::Unchanged]),
        plan.not_managed.len()
    )
}

/// The plan as one JSON document: `{"changes": bool, "environments": [...], "applications":
/// [...], "not_managed": [...]}`.
pub fn json(plan: &Plan) -> serde_json::Value {
    json!({
        "changes": plan.has_changes(),
        "environments": plan.environments,
        "applications": plan.applications,
        "not_managed": plan.not_managed,
    })
}
