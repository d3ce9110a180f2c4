//! The `sodan` executable: parse the command line, dispatch, report errors. Everything else is in the library.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::Parser;
use sodan::app::App;
use sodan::cli::{
    AdminCommand, BackupArgs, Cli, Command, CreateAdminArgs, DataOnly, ResetPasswordArgs, RoleArg,
    ServeArgs,
};
use sodan::config::Config;
use sodan::operators::{self, Email, NewOperator, Role};
use sodan::store::Store;
use sodan::store::backup;

/// jemalloc gives freed memory back to the system in the background (glibc's malloc kept the peak of 10,000
/// sockets after they closed); its settings are in `.cargo/config.toml`.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Every command may make HTTPS requests (an uploads bucket, say): TLS with ring, as the server uses.
    sodan::app::install_tls();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Admin {
            command: AdminCommand::Create(args),
        }) => create_admin(args),
        Some(Command::Admin {
            command: AdminCommand::ResetPassword(args),
        }) => reset_password(args),
        Some(Command::Admin {
            command: AdminCommand::ResetTwoFactor(args),
        }) => reset_two_factor(args),
        Some(Command::Backup(args)) => backup(args),
        Some(Command::Restore(args)) => restore(args),
        Some(Command::Check(args)) => check(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sodan: error: {e}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error>;

fn serve(args: ServeArgs) -> Result<(), AnyError> {
    let config = Config::from_args(&args)?;
    sodan::telemetry::init(config.log_format);
    actix_web::rt::System::new().block_on(async move {
        let app = App::build(config).await?;
        app.run_until_stopped().await?;
        Ok(())
    })
}

/// Opens the data `data` names: the PostgreSQL database, else the redb file in the data directory.
async fn open_store(data: &sodan::cli::DataArgs) -> Result<Store, AnyError> {
    let data_dir = Config::data_dir_from(data)?;
    let files = Config::files_from(data)?;
    Ok(match Config::database_from(data)? {
        Some(url) => Store::open_postgres(&url.0, files, Default::default()).await?,
        None => {
            let path = Config::with_data_dir(data_dir).database_path();
            Store::open_file(&path, Default::default(), files).await?
        }
    })
}

fn create_admin(args: CreateAdminArgs) -> Result<(), AnyError> {
    let data_dir = Config::data_dir_from(&args.data)?;
    let email = Email::parse(&args.email)
        .map_err(|_| format!("{:?} is not an e-mail address", args.email))?;
    let name = operators::parse_name(args.name.as_deref().unwrap_or(email.local_part()))
        .map_err(|_| "the name must have 1 to 80 characters")?;
    let password = read_new_password()?;
    let role = match args.role {
        RoleArg::Owner => Role::Owner,
        RoleArg::Admin => Role::Admin,
        RoleArg::Operator => Role::Operator,
    };
    let config = Config::with_data_dir(data_dir);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let store = open_store(&args.data).await?;
            let new = NewOperator {
                email,
                name,
                role,
                password_hash: sodan::auth::password::hash(password).await,
            };
            let operator = store.create_operator(new).await?;
            // The setup link is for creating the first account; once one exists it is of no use.
            let _ = std::fs::remove_file(config.setup_url_path());
            println!(
                "created {} account {} (id {})",
                role.as_str(),
                operator.email.as_str(),
                operator.id
            );
            Ok(())
        })
}

/// Runs `work` on the account `args` names, in the data directory (with the server stopped), then records it
/// in the audit log as `action`.
fn with_account(
    args: ResetPasswordArgs,
    action: &'static str,
    work: impl AsyncFnOnce(&Store, &operators::Operator) -> Result<(), AnyError>,
) -> Result<(), AnyError> {
    let email = Email::parse(&args.email)
        .map_err(|_| format!("{:?} is not an e-mail address", args.email))?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let store = open_store(&args.data).await?;
            let operator = store
                .operator_by_email(&email)
                .await?
                .ok_or_else(|| format!("no account uses {}", email.as_str()))?;
            work(&store, &operator).await?;
            store
                .audit("sodan admin".into(), action, email.as_str().to_owned())
                .await?;
            Ok(())
        })
}

/// `sodan admin reset-password`: a new password, checked like any other; every session of the account ends.
fn reset_password(args: ResetPasswordArgs) -> Result<(), AnyError> {
    with_account(args, "account.password_reset", async |store, operator| {
        let password = read_new_password()?;
        let hash = sodan::auth::password::hash(password).await;
        store.set_password(operator.id, hash, None).await?;
        println!(
            "new password set for {}; every session of the account ended",
            operator.email.as_str()
        );
        Ok(())
    })
}

/// `sodan admin reset-2fa`: removes the account's second factor; every session of the account ends.
fn reset_two_factor(args: ResetPasswordArgs) -> Result<(), AnyError> {
    with_account(args, "account.two_factor_reset", async |store, operator| {
        store
            .change_operator(operator.id, true, sodan::auth::two_factor::remove)
            .await?;
        println!(
            "two-factor sign-in removed for {}; every session of the account ended",
            operator.email.as_str()
        );
        Ok(())
    })
}

fn database_path(data: &sodan::cli::DataArgs) -> Result<std::path::PathBuf, AnyError> {
    Ok(Config::with_data_dir(Config::data_dir_from(data)?).database_path())
}

/// `sodan backup FILE`: written to FILE.part first, then renamed, so a FILE is always complete.
/// Writes a backup of the data `data` names (the redb file, or the PostgreSQL database) to `out`.
fn export(
    data: &sodan::cli::DataArgs,
    out: &mut impl std::io::Write,
) -> Result<backup::Summary, AnyError> {
    let files = Config::files_from(data)?.blocking()?;
    Ok(match Config::database_from(data)? {
        Some(url) => backup::postgres::export(&url.0, &files, out)?,
        None => backup::export(&database_path(data)?, &files, out)?,
    })
}

fn backup(args: BackupArgs) -> Result<(), AnyError> {
    let summary = if args.file.as_os_str() == "-" {
        export(&args.data, &mut std::io::stdout().lock())?
    } else {
        let partial = args.file.with_extension("part");
        // A backup holds every secret (SMTP password, LINE token, identity secret): owner-only, 0600.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = std::io::BufWriter::new(options.open(&partial)?);
        let summary = export(&args.data, &mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&partial, &args.file)?;
        summary
    };
    eprintln!(
        "backed up {} rows and {} files to {}",
        summary.rows,
        summary.files,
        args.file.display()
    );
    Ok(())
}

/// `sodan restore FILE`.
fn restore(args: BackupArgs) -> Result<(), AnyError> {
    let input: Box<dyn std::io::BufRead> = if args.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(&args.file)?))
    };
    let files = Config::files_from(&args.data)?.blocking()?;
    let (summary, into) = match Config::database_from(&args.data)? {
        Some(url) => {
            let summary = backup::postgres::import(input, &url.0, &files)?;
            (summary, "the database".to_owned())
        }
        None => {
            let db = database_path(&args.data)?;
            (
                backup::import(input, &db, &files)?,
                db.display().to_string(),
            )
        }
    };
    eprintln!(
        "restored {} rows and {} files into {into}",
        summary.rows, summary.files
    );
    Ok(())
}

/// `sodan check`: reads everything once, as a backup would, without writing anything.
fn check(args: DataOnly) -> Result<(), AnyError> {
    let summary = export(&args.data, &mut std::io::sink())?;
    let what = match Config::database_from(&args.data)? {
        Some(_) => "the database".to_owned(),
        None => database_path(&args.data)?.display().to_string(),
    };
    println!(
        "ok: {what} reads back ({} rows, {} files)",
        summary.rows, summary.files
    );
    Ok(())
}

/// Reads a new password and checks it is long enough (and not too long).
fn read_new_password() -> Result<String, AnyError> {
    let password = read_password()?;
    operators::check_new_password(&password, &password).map_err(|_| {
        format!(
            "the password must have {} to {} characters",
            operators::MIN_PASSWORD_CHARS,
            operators::MAX_PASSWORD_BYTES
        )
    })?;
    Ok(password)
}

/// Reads the password: prompted without echo on a terminal (twice), else one line of standard input.
fn read_password() -> Result<String, AnyError> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password (again): ")?;
        if first != again {
            return Err("the passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}
