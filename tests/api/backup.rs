//! `banli backup`: a consistent copy of a running SQLite database, taken under write load,
//! restored and compared with the original.

use banli::config::Settings;
use banli::db::Db;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::{codes, spawn_app};

/// `(id, number, title, version)` of every suggestion up to `max_id`, in id order.
async fn suggestions(db: &Db, max_id: i64) -> Vec<(i64, String, String, i32)> {
    db.conn()
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("SELECT id, number, title, version FROM suggestion WHERE id <= {max_id} ORDER BY id"),
        ))
        .await
        .expect("read suggestions")
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0).unwrap(),
                row.try_get_by_index(1).unwrap(),
                row.try_get_by_index(2).unwrap(),
                row.try_get_by_index(3).unwrap(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_backup_taken_under_write_load_restores_to_one_consistent_moment() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("banli-backup.db");
    if app.backend != "sqlite" {
        let refused = banli::backup::sqlite(&app.db, &path).await.unwrap_err();
        assert!(refused.to_string().contains("pg_dump"), "{refused}");
        return;
    }
    let session = app.session("省人大十三届五次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let writers = (0..3).map(|w| {
        let (app, session, deputy) = (app.clone(), session.clone(), deputy.clone());
        async move {
            for n in 0..25 {
                let p = app
                    .register(json!({"sessionId": session, "leadDeputyId": deputy,
                        "number": format!("{w}{n:03}"), "title": format!("关于第{w}{n:03}号事项的建议"),
                        "content": "备份测试。", "submittedOn": "2025-11-01"}))
                    .await;
                assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
            }
        }
    });
    let backup = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        banli::backup::sqlite(&app.db, &path).await
    };
    let (_, report) =
        futures_util::future::join(futures_util::future::join_all(writers), backup).await;
    let report = report.expect("backup");
    assert!(report.bytes > 0);

    // A second backup to the same file is refused rather than overwriting it.
    let again = banli::backup::sqlite(&app.db, &path).await.unwrap_err();
    assert!(again.to_string().contains("exists"), "{again}");

    // Restore: the copy opens as banli's database (migrations: nothing to do).
    let restored = Db::connect(&Settings {
        database_url: format!("sqlite://{}", path.display()),
        ..Settings::default()
    })
    .await
    .expect("open the backup");
    banli::startup::migrate(&restored)
        .await
        .expect("the backup is current");
    let copied = suggestions(&restored, i64::MAX).await;
    assert_eq!(copied.len() as i64, report.suggestions);
    assert!(copied.len() <= 75);
    eprintln!("the backup holds {} of 75 suggestions", copied.len());
    // One moment: the copy is exactly the original's rows up to the last one it holds
    // (rows are only inserted here, one writer at a time, in id order).
    let last = copied.last().map_or(0, |row| row.0);
    assert_eq!(suggestions(&app.db, last).await, copied);
    // Each copied suggestion came with its timeline event and audit row (one transaction).
    let events = restored
        .conn()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) FROM workflow_event WHERE kind = 'REGISTERED'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(events, report.suggestions);
    let audit = banli::service::audit::verify(&restored, &Default::default())
        .await
        .unwrap();
    assert!(audit.is_intact(), "{:?}", audit.first_broken);
    restored.close().await;

    // The CLI says so too (the binary, against the running app's file).
    let cli_path = dir.path().join("cli-backup.db");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_banli"))
        .arg("backup")
        .arg(&cli_path)
        .env("BANLI_DATABASE_URL", &app.database_url)
        .env("BANLI_LOG", "error")
        .output()
        .expect("run banli backup");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("75 suggestions, integrity ok"), "{stdout}");
}
