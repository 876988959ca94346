//! The administrator's screens behind a logon: 契約法人ステータス ([`status`]),
//! 利用者情報登録/変更/登録抹消 and 外部ファイル送信権限設定 ([`users`]), 操作履歴照会
//! ([`audit`]), 利用者一括登録 ([`import`]), and the CSV files of these screens ([`csv`]).
//!
//! Every use case takes the [`AdminSession`](crate::ssr::access::auth::AdminSession) the server
//! function got from `access`, and reads or changes only that corporation's rows. A change
//! checks the 契約法人確認暗証番号 first, then writes the change and its audit record in one
//! write transaction.
//!
//! Never: authenticates (that is `access`), signs (that is `pki`), or serves the bank operator.

pub mod audit;
pub mod certificates;
pub mod csv;
pub mod import;
pub mod notices;
pub mod status;
pub mod users;
