//! Uploads kept in an S3-compatible bucket (`--uploads-s3`), against moto's S3 server (PyPI `moto[server]`,
//! started by the test). What the bucket holds is read back with boto3, AWS's own SDK, and every request
//! Sodan sent is checked against botocore's AWS Signature Version 4 (query-string form, as in the
//! S3 API Reference, "Authenticating Requests: Using Query Parameters"): moto does not check
//! presigned signatures itself.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::attachments::{PNG, upload};
use crate::helpers::spawn_app_with;
use crate::ws::{self, SHOP_ORIGIN};

const KEY: &str = "AKIASODANTEST";
const SECRET: &str = "sodan/test+secret";
const REGION: &str = "ap-northeast-1";
const BUCKET: &str = "shop-files";

/// moto's S3 server on a free port, its request log in `log`; killed when dropped.
struct Moto {
    child: Child,
    endpoint: String,
    log: std::path::PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// [`Moto::start`] from async code (it installs with pip and waits for the port).
    async fn start_in(dir: &Path) -> Moto {
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || Moto::start(&dir))
            .await
            .unwrap()
    }

    fn start(dir: &Path) -> Moto {
        crate::python::ensure("moto.server", "moto[server]==5.2.5");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = dir.join("moto.log");
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("python3 starts moto");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not listen: {}",
                std::fs::read_to_string(&moto.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// Runs `script` with boto3 and botocore at hand (`endpoint`, `key`, `secret`, `region`, `bucket`, `s3`
    /// defined); what it prints, as JSON.
    fn python(&self, script: &str) -> Value {
        let prelude = format!(
            "import boto3, botocore, json, sys\n\
             endpoint, key, secret, region, bucket = {:?}, {:?}, {:?}, {:?}, {:?}\n\
             s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=key, \
             aws_secret_access_key=secret, region_name=region)\n",
            self.endpoint, KEY, SECRET, REGION, BUCKET
        );
        let output = Command::new("python3")
            .args(["-c", &format!("{prelude}{script}")])
            .output()
            .expect("python3 runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("the script prints JSON")
    }
}

/// The bucket's objects under `prefix`: key -> bytes (hex), read with boto3.
const LIST: &str = "
out = {}
for o in s3.list_objects_v2(Bucket=bucket, Prefix='shop-a/').get('Contents', []):
    out[o['Key']] = s3.get_object(Bucket=bucket, Key=o['Key'])['Body'].read().hex()
print(json.dumps(out))
";

/// Every presigned request in moto's log, with the signature botocore computes for it.
const SIGNATURES: &str = "
import re, urllib.parse
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = []
for line in open(sys.argv[1]):
    m = re.search(r'\"(PUT|GET|DELETE) (\\S*X-Amz-Signature=\\S*) HTTP', line)
    if not m:
        continue
    method, target = m.group(1), m.group(2)
    path, _, query = target.partition('?')
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    given = dict(pairs)['X-Amz-Signature']
    unsigned = urllib.parse.urlencode([(k, v) for k, v in pairs if k != 'X-Amz-Signature'], quote_via=urllib.parse.quote)
    request = AWSRequest(method=method, url=endpoint + path + '?' + unsigned, headers={})
    request.context['timestamp'] = dict(pairs)['X-Amz-Date']
    auth = S3SigV4QueryAuth(Credentials(key, secret), 's3', region, expires=int(dict(pairs)['X-Amz-Expires']))
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    out.append({'method': method, 'path': path, 'given': given, 'expected': expected})
print(json.dumps(out))
";

fn bucket_url(moto: &Moto) -> String {
    let secret = SECRET.replace('/', "%2F").replace('+', "%2B");
    format!(
        "{}/{BUCKET}/shop-a?region={REGION}",
        moto.endpoint
            .replacen("http://", &format!("http://{KEY}:{secret}@"), 1)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_live_in_the_bucket_signed_as_aws_signature_v4_says() {
    let work = tempfile::tempdir().unwrap();
    let moto = Moto::start_in(work.path()).await;
    let created = moto.python(
        "s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={'LocationConstraint': region})\n\
         print(json.dumps(True))",
    );
    assert_eq!(created, json!(true));
    let url = bucket_url(&moto);
    let (app, dir) = spawn_app_with(move |c| {
        c.uploads_s3 = Some(sodan::config::Secret(url));
        c.max_upload_bytes = 1024 * 1024;
    })
    .await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (_visitor, welcome) = ws::visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();

    let response = upload(&app, &site, &token, "receipt.png", PNG.to_vec()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let (upload_id, conversation) = (
        created["upload_id"].as_u64().unwrap(),
        created["conversation"].as_u64().unwrap(),
    );
    assert!(
        !dir.path().join("uploads").exists()
            || std::fs::read_dir(dir.path().join("uploads"))
                .unwrap()
                .next()
                .is_none(),
        "nothing is written to the data directory's folder"
    );

    // What the bucket holds, read by AWS's SDK: one object under the prefix, the file's exact bytes.
    let listed = moto.python(LIST);
    let objects = listed.as_object().unwrap();
    assert_eq!(objects.len(), 1, "one object under shop-a/: {listed}");
    let (object_key, stored) = objects.iter().next().unwrap();
    assert!(object_key.starts_with("shop-a/"), "{object_key}");
    assert_eq!(stored.as_str().unwrap(), sodan::tokens::hex(PNG));

    // Served back from the bucket to the operator.
    let served = app
        .get(
            &owner,
            &format!("/inbox/{conversation}/uploads/{upload_id}"),
        )
        .await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);

    // A backup carries the file (read from the bucket); the shop's own process keeps running.
    let backup_file = dir.path().join("backup.jsonl");
    let (data, file, bucket) = (
        dir.path().to_owned(),
        backup_file.clone(),
        bucket_url(&moto),
    );
    let backed_up = tokio::task::spawn_blocking(move || {
        crate::helpers::with_engine_of(&mut crate::cli::sodan(), &data)
            .args(["backup", file.to_str().unwrap(), "--data-dir"])
            .arg(&data)
            .env("SODAN_UPLOADS_S3", bucket)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&backed_up.stderr).into_owned();
    assert!(
        backed_up.status.success() && said.contains("1 files"),
        "{said}"
    );
    assert!(!said.contains(SECRET) && !said.contains("X-Amz-Signature"));
    let backup = std::fs::read_to_string(&backup_file).unwrap();
    assert!(
        backup.contains(&sodan::tokens::hex(PNG)),
        "the file's bytes are in the backup"
    );

    // Deleting the customer removes the object.
    let customer = crate::privacy::customer_of(&app, &owner, conversation).await;
    let deleted = crate::privacy::delete_customer(&app, &owner, customer, "remove").await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut left = moto.python(LIST);
    while left.as_object().is_some_and(|o| !o.is_empty()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        left = moto.python(LIST);
    }
    assert_eq!(left, json!({}), "the object went with the customer");

    // Every request Sodan sent carried the signature botocore computes for it.
    let log = moto.log.to_str().unwrap().to_owned();
    let checked = moto.python(&SIGNATURES.replace("sys.argv[1]", &format!("{log:?}")));
    let checked = checked.as_array().unwrap();
    let methods: Vec<&str> = checked
        .iter()
        .filter_map(|c| c["method"].as_str())
        .collect();
    for method in ["PUT", "GET", "DELETE"] {
        assert!(
            methods.contains(&method),
            "a signed {method} was sent: {checked:?}"
        );
    }
    for c in checked {
        assert_eq!(c["given"], c["expected"], "SigV4 of {c}");
    }
}

#[tokio::test]
async fn a_refused_upload_to_the_bucket_is_an_error_and_stores_no_message() {
    let work = tempfile::tempdir().unwrap();
    let moto = Moto::start_in(work.path()).await;
    // The bucket does not exist: S3 answers NoSuchBucket.
    let url = bucket_url(&moto);
    let (app, _dir) =
        spawn_app_with(move |c| c.uploads_s3 = Some(sodan::config::Secret(url))).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let mut console = ws::console(&app, &owner).await;
    let (_visitor, welcome) = ws::visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    let response = upload(&app, &site, &token, "receipt.png", PNG.to_vec()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unavailable", "a JSON error: {body}");
    let messages = console
        .collect_type("message", Duration::from_secs(2))
        .await;
    assert!(
        messages.is_empty(),
        "no message refers to a file the bucket does not have: {messages:?}"
    );
}
