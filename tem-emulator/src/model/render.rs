//! The JSON of replies: TEM's time formats and the structures built from the state
//! (environments, pods, batches, a rollout's detail).

use serde_json::{json, Map, Value};

use super::state::{Batch, BatchStatus, Deployment, Environment, Pod, Rollout, Strategy};
use crate::signing::civil_from_days;

/// `YYYY-MM-DD HH:MM:SS` in China Standard Time (UTC+8), as TEM reports times.
pub fn tem_time(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000) + 8 * 3600;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// RFC 3339 in UTC, as pods' `StartTime`.
pub(crate) fn rfc3339(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

pub(crate) fn paged(records: Vec<Value>, total: usize, offset: usize, limit: usize, list: &str, count: &str) -> Value {
    let size = limit.max(1);
    let mut page = Map::new();
    page.insert(list.into(), Value::from(records));
    page.insert(count.into(), Value::from(total));
    page.insert("Size".into(), Value::from(limit));
    page.insert("Pages".into(), Value::from(total.div_ceil(size)));
    page.insert("Current".into(), Value::from(offset / size + 1));
    Value::Object(page)
}

pub(crate) fn namespace_info(e: &Environment) -> Value {
    json!({
        "EnvironmentId": e.id, "NamespaceName": e.name, "Region": e.region, "VpcId": e.vpc, "SubnetIds": e.subnet_ids,
        "Description": e.description, "CreatedDate": tem_time(e.created_ms), "EnvironmentName": e.name,
        "ApmInstanceId": "", "Locked": 0, "Tags": [], "EnvType": "test",
    })
}

pub(crate) fn strategy_conf(r: &Rollout) -> Value {
    json!({
        "TotalBatchCount": r.total_batch_count, "BetaBatchNum": r.beta_batch_num, "DeployStrategyType": r.strategy.code(),
        "BatchInterval": r.batch_interval_secs, "MinAvailable": r.min_available, "Force": r.force,
    })
}

pub(crate) fn pod_detail(pod: &Pod) -> Value {
    json!({
        "PodId": pod.id, "PodStatus": [pod.status], "PodVersion": pod.version, "CreateTime": tem_time(pod.created_ms),
        "Zone": pod.zone, "Webshell": "", "Status": pod.status,
    })
}

pub(crate) fn run_version_pod(pod: &Pod, app_name: &str) -> Value {
    let running = pod.status == "Running";
    json!({
        "Webshell": "", "PodId": pod.id, "Status": pod.status, "CreateTime": tem_time(pod.created_ms), "PodIp": pod.ip,
        "Zone": pod.zone, "DeployVersion": pod.version, "RestartCount": pod.restart_count, "Ready": running,
        "ContainerState": if running { "running" } else if pod.status == "Pending" { "waiting" } else { "terminated" },
        "NodeInfo": null, "StartTime": rfc3339(pod.created_ms), "Unhealthy": pod.status == "CrashLoopBackOff",
        "UnhealthyWarningMsg": "", "VersionId": pod.version_id, "ApplicationName": app_name,
    })
}

/// A batch's pod as it is now: the deployment's own record when it still runs, else `Terminated`
/// if the batch saw it running (a pod that is gone is not `Running`), else as the batch left it
/// (`Pending` before it starts).
pub(crate) fn live_pod(pod: &Pod, dep: &Deployment) -> Pod {
    match dep.pods.iter().find(|p| p.id == pod.id) {
        Some(live) => live.clone(),
        None if pod.status == "Running" => Pod { status: "Terminated".into(), ..pod.clone() },
        None => pod.clone(),
    }
}

pub(crate) fn batch_detail(b: &Batch, dep: &Deployment) -> Value {
    let pods = |list: &[Pod]| list.iter().map(|p| pod_detail(&live_pod(p, dep))).collect::<Vec<_>>();
    json!({
        "OldPods": pods(&b.old_pods),
        "NewPods": pods(&b.new_pods),
        "BatchStatus": b.status.as_str(), "PodNum": b.pod_num, "BatchIndex": b.index,
        "NextBatchStartTime": b.next_start_ms.map_or(0, |ms| ms / 1000), "OldPodList": null, "NewPodList": null,
    })
}

/// `TemDeployApplicationDetailInfo` of a rollout.
pub(crate) fn deploy_detail(r: &Rollout, dep: &Deployment, app_name: &str) -> Value {
    let has_beta = r.strategy == Strategy::Beta;
    let (beta, others) = match r.batches.split_first() {
        Some((first, rest)) if has_beta => (Some(first), rest),
        _ => (None, &r.batches[..]),
    };
    let current_status = r.batches.get(r.current).map_or(BatchStatus::NotStart, |b| b.status);
    let next_start = r.batches.get(r.current).and_then(|b| b.next_start_ms);
    let old: Vec<&Pod> =
        dep.pods.iter().filter(|p| !r.old_version_id.is_empty() && p.version_id == r.old_version_id).collect();
    json!({
        "DeployStrategyConf": strategy_conf(r),
        "StartTime": tem_time(r.started_ms),
        "EndTime": r.ended_ms.map(tem_time).unwrap_or_default(),
        "Status": r.status.as_str(),
        "BetaBatchDetail": beta.map(|b| batch_detail(b, dep)),
        "OtherBatchDetail": others.iter().map(|b| batch_detail(b, dep)).collect::<Vec<_>>(),
        "OldVersionPodList": {
            "Offset": 0, "Limit": old.len(), "TotalCount": old.len(), "RequestId": "",
            "PodList": old.iter().map(|p| run_version_pod(p, app_name)).collect::<Vec<_>>(),
        },
        "CurrentBatchIndex": r.current,
        "ErrorMessage": r.error_message,
        "CurrentBatchStatus": current_status.as_str(),
        "NewDeployVersion": r.new_version,
        "OldDeployVersion": r.old_version,
        "NewVersionPackageInfo": r.package,
        "NextBatchStartTime": next_start.map(|ms| ms / 1000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_china_standard_time() {
        assert_eq!(tem_time(0), "1970-01-01 08:00:00");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
