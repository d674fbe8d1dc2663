// `byTeam`'s sort key is [priority, title]: setting `priority` rewrites it,
// so the setter also takes `title`. Likewise `set_team` takes `origin`
// (`byOrigin`'s sort key is [origin, team]).
use dyngen_goldens::writes::*;

fn update(db: &Tasks, key: &TaskKey) {
    let _ = db.tasks().update(key, 1).set_priority(Priority::High);
    let _ = db.tasks().update(key, 1).set_team("core");
}

fn main() {
    let _ = update;
}
