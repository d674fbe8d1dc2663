//! Unique attributes (`generator/tests/fixtures/unique.dyn`): guard items
//! keep each unique value (and the `[org, slug]` set) held by one item at
//! most, in the same transaction as create, put, upsert, update and delete,
//! alone and inside transactions; a clash is `Error::NotUnique` naming the
//! entity, the attributes and the values; guard items never show in reads;
//! concurrent creates of one email: exactly one wins.

use dyngen_goldens::unique::*;
use dyngen_runtime::aws_sdk_dynamodb::types::AttributeValue;
use dyngen_runtime::{CancelReason, Error};
use dyngen_tests::run_with_table;

async fn accounts(client: &dyngen_runtime::aws_sdk_dynamodb::Client, table: &str) -> Accounts {
    let db = Accounts::new(client.clone(), table.to_owned());
    db.table().create_if_missing().await.expect("create table");
    db
}

fn account(id: &str, email: &str, slug: &str) -> Account {
    Account {
        id: id.into(),
        email: email.into(),
        org: "acme".into(),
        slug: slug.into(),
        nickname: None,
        name: format!("Account {id}"),
        created_at: Default::default(),
        updated_at: Default::default(),
    }
}

fn key(id: &str) -> AccountKey {
    AccountKey { id: id.into() }
}

/// Every item of the table, as stored.
async fn raw_items(client: &dyngen_runtime::aws_sdk_dynamodb::Client, table: &str) -> Vec<dyngen_tests::RawItem> {
    let output = client.scan().table_name(table).send().await.expect("raw scan");
    output.items.unwrap_or_default()
}

/// The owners' ids of the guard items, by the values their keys hold.
async fn guards(client: &dyngen_runtime::aws_sdk_dynamodb::Client, table: &str) -> Vec<String> {
    let mut guards: Vec<String> = raw_items(client, table)
        .await
        .into_iter()
        .filter(|item| item.get("_et") == Some(&AttributeValue::S("dyngen:unique".into())))
        .map(|item| match item.get("pk") {
            Some(AttributeValue::S(pk)) => pk.clone(),
            other => panic!("a guard key {other:?}"),
        })
        .collect();
    guards.sort();
    guards
}

fn is_clash(error: &Error, attributes: &[&str], values: &[&str]) -> bool {
    matches!(error, Error::NotUnique { entity: "Account", attributes: a, values: v }
        if *a == attributes && v.iter().map(String::as_str).eq(values.iter().copied()))
}

#[tokio::test]
async fn create_refuses_a_taken_value_and_names_it() {
    run_with_table("uniq-create", |client, table| async move {
        let db = accounts(&client, &table).await;
        db.accounts()
            .create(&account("a", "ada@x", "ada"))
            .await
            .expect("first");
        let clash = db.accounts().create(&account("b", "ada@x", "bob")).await.unwrap_err();
        assert!(is_clash(&clash, &["email"], &["ada@x"]), "{clash:?}");
        assert!(clash.to_string().contains("`email` = `ada@x`"), "{clash}");
        let clash = db.accounts().create(&account("c", "cy@x", "ada")).await.unwrap_err();
        assert!(is_clash(&clash, &["org", "slug"], &["acme", "ada"]), "{clash:?}");
        // Nothing of the refused writes was stored.
        assert_eq!(db.accounts().get(&key("b")).await.expect("get"), None);
        assert_eq!(db.accounts().get(&key("c")).await.expect("get"), None);
        // The same slug in another organisation is another value.
        let mut other = account("d", "dee@x", "ada");
        other.org = "initech".into();
        db.accounts().create(&other).await.expect("other org");
        // Creating the same item again is `AlreadyExists`, not a clash.
        assert!(matches!(
            db.accounts().create(&account("a", "ada@x", "ada")).await,
            Err(Error::AlreadyExists { entity: "Account" })
        ));
        assert_eq!(guards(&client, &table).await.len(), 4);
    })
    .await;
}

#[tokio::test]
async fn updates_puts_upserts_and_deletes_move_the_guards() {
    run_with_table("uniq-move", |client, table| async move {
        let db = accounts(&client, &table).await;
        db.accounts()
            .create(&account("a", "ada@x", "ada"))
            .await
            .expect("create a");
        db.accounts()
            .create(&account("b", "bob@x", "bob"))
            .await
            .expect("create b");

        // An update to a taken value is refused; to a free one moves the guard.
        let clash = db.accounts().update(&key("a")).set_email("bob@x").await.unwrap_err();
        assert!(is_clash(&clash, &["email"], &["bob@x"]), "{clash:?}");
        let moved = db
            .accounts()
            .update(&key("a"))
            .set_email("ada@new")
            .await
            .expect("update");
        assert_eq!(moved.email, "ada@new");
        db.accounts()
            .create(&account("c", "ada@x", "cy"))
            .await
            .expect("the old email is free again");
        let clash = db.accounts().create(&account("d", "ada@new", "dee")).await.unwrap_err();
        assert!(is_clash(&clash, &["email"], &["ada@new"]));

        // An update that leaves unique attributes alone needs no guard.
        let renamed = db
            .accounts()
            .update(&key("a"))
            .set_name("Ada L.")
            .await
            .expect("rename");
        assert_eq!(renamed.email, "ada@new");
        // An optional unique value is guarded while set.
        db.accounts()
            .update(&key("a"))
            .set_nickname("countess")
            .await
            .expect("nickname");
        let clash = db
            .accounts()
            .update(&key("b"))
            .set_nickname("countess")
            .await
            .unwrap_err();
        assert!(is_clash(&clash, &["nickname"], &["countess"]), "{clash:?}");
        db.accounts()
            .update(&key("a"))
            .remove_nickname()
            .await
            .expect("remove nickname");
        db.accounts()
            .update(&key("b"))
            .set_nickname("countess")
            .await
            .expect("free again");
        // `_if_absent` keeps a stored value, and claims one only when absent.
        let kept = db
            .accounts()
            .update(&key("b"))
            .set_nickname_if_absent("other")
            .await
            .expect("kept");
        assert_eq!(kept.nickname.as_deref(), Some("countess"));
        let clash = db
            .accounts()
            .update(&key("c"))
            .set_nickname_if_absent("countess")
            .await
            .unwrap_err();
        assert!(is_clash(&clash, &["nickname"], &["countess"]), "{clash:?}");

        // A put replacing the item moves its guards; one taking another's value is refused.
        let mut b = db.accounts().get(&key("b")).await.expect("get").expect("stored");
        b.email = "bob@new".into();
        b.slug = "robert".into();
        db.accounts().put(&b).await.expect("put");
        db.accounts()
            .create(&account("e", "bob@x", "bob"))
            .await
            .expect("b's old values are free");
        let mut taken = b.clone();
        taken.email = "ada@new".into();
        let clash = db.accounts().put(&taken).await.unwrap_err();
        assert!(is_clash(&clash, &["email"], &["ada@new"]), "{clash:?}");
        assert_eq!(
            db.accounts().get(&key("b")).await.expect("get").map(|b| b.email),
            Some("bob@new".into())
        );

        // An upsert does the same.
        let mut upserted = b.clone();
        upserted.email = "bob@upsert".into();
        let stored = db.accounts().upsert(&upserted).await.expect("upsert");
        assert_eq!(stored.email, "bob@upsert");
        db.accounts()
            .create(&account("f", "bob@new", "fred"))
            .await
            .expect("freed by upsert");

        // A delete frees the item's values.
        db.accounts().delete(&key("a")).await.expect("delete");
        db.accounts()
            .create(&account("g", "ada@new", "ada"))
            .await
            .expect("freed by delete");
        // Deleting nothing is fine, and `delete_existing` of nothing is `NotFound`.
        db.accounts().delete(&key("zz")).await.expect("delete nothing");
        assert!(matches!(
            db.accounts().delete_existing(&key("zz")).await,
            Err(Error::NotFound { entity: "Account" })
        ));
        assert!(matches!(
            db.accounts().update(&key("zz")).set_email("new@x").await,
            Err(Error::NotFound { entity: "Account" })
        ));

        // One guard per held value: accounts b, c, e, f, g, each with an
        // email and a slug, and b's nickname.
        assert_eq!(guards(&client, &table).await.len(), 11);
    })
    .await;
}

#[tokio::test]
async fn guard_items_never_show_in_reads() {
    run_with_table("uniq-hidden", |client, table| async move {
        let db = accounts(&client, &table).await;
        for (id, email) in [("a", "a@x"), ("b", "b@x"), ("c", "c@x")] {
            db.accounts().create(&account(id, email, id)).await.expect("create");
        }
        db.teams()
            .create(&Team {
                id: "t".into(),
                name: "core".into(),
                size: 3,
                version: 0,
            })
            .await
            .expect("team");
        assert_eq!(raw_items(&client, &table).await.len(), 4 + 7, "4 items and 7 guards");
        let scanned = db.accounts().scan().all().await.expect("scan");
        assert_eq!(scanned.len(), 3);
        assert_eq!(db.accounts().scan().count().await.expect("count").count, 3);
        assert_eq!(db.teams().scan().all().await.expect("scan teams").len(), 1);
        let by_org = db
            .accounts()
            .by_org(&AccountByOrgPartition { org: "acme".into() })
            .all()
            .await
            .expect("query");
        assert_eq!(by_org.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn concurrent_creates_of_one_email_exactly_one_wins() {
    run_with_table("uniq-race", |client, table| async move {
        let db = accounts(&client, &table).await;
        let attempts = (0..8).map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                db.accounts()
                    .create(&account(&format!("racer{i}"), "same@x", &format!("racer{i}")))
                    .await
            })
        });
        let results: Vec<Result<Account, Error>> = futures::future::join_all(attempts)
            .await
            .into_iter()
            .map(|joined| joined.expect("task"))
            .collect();
        let won: Vec<&Account> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(won.len(), 1, "{results:?}");
        for lost in results.iter().filter_map(|r| r.as_ref().err()) {
            assert!(is_clash(lost, &["email"], &["same@x"]), "{lost:?}");
        }
        let stored = db.accounts().scan().all().await.expect("scan");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].id, won[0].id);
    })
    .await;
}

#[tokio::test]
async fn concurrent_updates_to_one_email_exactly_one_wins() {
    run_with_table("uniq-race-update", |client, table| async move {
        let db = accounts(&client, &table).await;
        for i in 0..6 {
            db.accounts()
                .create(&account(&format!("u{i}"), &format!("u{i}@x"), &format!("u{i}")))
                .await
                .expect("create");
        }
        let attempts = (0..6).map(|i| {
            let db = db.clone();
            tokio::spawn(async move { db.accounts().update(&key(&format!("u{i}"))).set_email("wanted@x").await })
        });
        let results: Vec<Result<Account, Error>> = futures::future::join_all(attempts)
            .await
            .into_iter()
            .map(|joined| joined.expect("task"))
            .collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        let holders: Vec<Account> = db
            .accounts()
            .scan()
            .filter(|a| a.email.eq("wanted@x"))
            .all()
            .await
            .expect("scan");
        assert_eq!(holders.len(), 1);
        // The losers kept their own emails, still guarded.
        assert_eq!(guards(&client, &table).await.len(), 12);
    })
    .await;
}

#[tokio::test]
async fn transactions_keep_guards_in_step_and_name_the_clashing_action() {
    run_with_table("uniq-tx", |client, table| async move {
        let db = accounts(&client, &table).await;
        db.accounts()
            .create(&account("a", "ada@x", "ada"))
            .await
            .expect("create");
        let team = Team {
            id: "t".into(),
            name: "core".into(),
            size: 1,
            version: 0,
        };

        // A transaction creating a team and an account with a taken email.
        let clash = db
            .transact_write()
            .put(db.teams().create(&team))
            .put(db.accounts().create(&account("b", "ada@x", "bob")))
            .send()
            .await
            .unwrap_err();
        let Error::TransactionCanceled { actions, .. } = &clash else {
            panic!("{clash:?}")
        };
        assert_eq!(actions.len(), 1, "{actions:?}");
        assert_eq!((actions[0].position, actions[0].entity), (1, "Account"));
        assert!(
            matches!(&actions[0].reason, CancelReason::Refused(error) if is_clash(error, &["email"], &["ada@x"])),
            "{actions:?}"
        );
        assert_eq!(db.teams().get(&TeamKey { id: "t".into() }).await.expect("get"), None);

        // Moving an email and creating an account with the freed one, in one transaction.
        db.transact_write()
            .update(db.accounts().update(&key("a")).set_email("ada@new"))
            .put(db.teams().create(&team))
            .send()
            .await
            .expect("move");
        db.transact_write()
            .put(db.accounts().create(&account("b", "ada@x", "bob")))
            .delete(db.teams().delete(&TeamKey { id: "t".into() }, 1))
            .send()
            .await
            .expect("take the freed email");
        let clash = db.teams().create(&team).await;
        assert!(clash.is_ok(), "the team's name was freed by the delete: {clash:?}");
        let clash = db
            .teams()
            .create(&Team {
                id: "t2".into(),
                ..team.clone()
            })
            .await
            .unwrap_err();
        assert!(matches!(clash, Error::NotUnique { entity: "Team", .. }), "{clash:?}");
        // `a`'s old guard went with the move, `b` holds `ada@x` now.
        let clash = db.accounts().create(&account("c", "ada@x", "cy")).await.unwrap_err();
        assert!(is_clash(&clash, &["email"], &["ada@x"]));
        db.accounts().delete(&key("b")).await.expect("delete b");
        db.accounts()
            .create(&account("c", "ada@x", "cy"))
            .await
            .expect("free again");
    })
    .await;
}
