//! How flags, the environment and `sodan.toml` combine, and which secrets stay hidden.

use super::*;

#[test]
fn public_url_must_be_absolute_http() {
    assert_eq!(
        validate_public_url("https://chat.example.com/").unwrap(),
        "https://chat.example.com"
    );
    assert!(validate_public_url("chat.example.com").is_err());
    assert!(validate_public_url("https://").is_err());
}

#[test]
fn flags_win_over_file_and_defaults_fill_the_rest() {
    let dir = std::env::temp_dir().join(format!("sodan-config-{}", crate::tokens::random()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sodan.toml");
    std::fs::write(
        &file,
        "bind = \"0.0.0.0:9000\"\npublic_url = \"https://shop.example\"\n\
         database = \"postgres://sodan:hunter2@db.internal/sodan\"\n\
         uploads_s3 = \"https://AKID:s3cret@s3.example.com/shop\"\n",
    )
    .unwrap();
    let args = ServeArgs {
        bind: Some("127.0.0.1:7000".into()),
        data: DataArgs {
            config: Some(file),
            data_dir: None,
            database: None,
            uploads_s3: None,
        },
        ..ServeArgs::default()
    };
    let mut config = Config::from_args(&args).unwrap();
    assert_eq!(config.bind, "127.0.0.1:7000");
    assert_eq!(config.public_url.as_deref(), Some("https://shop.example"));
    assert_eq!(config.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
    assert_eq!(
        config.database.as_ref().map(|s| s.0.as_str()),
        Some("postgres://sodan:hunter2@db.internal/sodan")
    );
    assert!(
        !format!("{config:?}").contains("hunter2"),
        "the database password is never printed"
    );
    assert!(
        !format!("{config:?}").contains("s3cret"),
        "nor the bucket's secret key"
    );
    assert!(matches!(config.files().unwrap(), Files::Bucket(_)));
    config.uploads_s3 = None;
    assert!(matches!(config.files().unwrap(), Files::Folder(f) if f.ends_with("uploads")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_keys_in_the_file_are_an_error() {
    let dir = std::env::temp_dir().join(format!("sodan-config-{}", crate::tokens::random()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sodan.toml");
    std::fs::write(&file, "bnid = \"x\"\n").unwrap();
    let args = DataArgs {
        config: Some(file),
        data_dir: None,
        database: None,
        uploads_s3: None,
    };
    let err = Config::data_dir_from(&args).unwrap_err().to_string();
    assert!(err.contains("bnid"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
