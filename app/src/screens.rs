//! The screens behind a logon, as three lazily loaded groups: the administrator's, the user's,
//! and the second factor's (the logon's code step, one-time password and passkey registration),
//! which both roles reach.
//!
//! In split builds (`cargo leptos build --split`, which is what `scripts/run.sh` and the test
//! suite build) each group is a WASM module of its own, fetched the first time one of its routes
//! is shown, so the logon pages' bundle carries none (P4 in docs/PERFORMANCE.md). One module
//! per group rather than per screen: per-screen splitting cuts the shared code into ~90 chunk
//! files that the first click into a screen would fetch one by one.
//!
//! Each route is a [`leptos_router::LazyRoute`] whose view is its group's `#[lazy]` function.
//! `cfg(wasm_split)` (set by `app/build.rs` for split links) gates the attribute in the browser:
//! unsplit, an applied `#[lazy]` would leave the module loader's import unresolved.

use leptos::prelude::*;

macro_rules! screen_group {
    ($(#[$doc:meta])* $group:ident, $preload:ident, $kind:ident { $($route:ident => $page:path),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub enum $kind {
            $($route),*
        }

        impl $kind {
            /// Starts fetching the group's module (split builds; otherwise it is already there),
            /// so that the navigation after a logon does not wait for it.
            pub fn preload() {
                #[cfg(all(feature = "hydrate", wasm_split))]
                leptos::task::spawn_local($preload());
            }
        }

        #[cfg_attr(any(feature = "ssr", wasm_split), leptos::lazy)]
        async fn $group(screen: $kind) -> AnyView {
            match screen {
                $($kind::$route => view! { <$page/> }.into_any()),*
            }
        }

        $(
            #[doc = concat!("The route of [`", stringify!($page), "`].")]
            pub struct $route;

            impl leptos_router::LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $group($kind::$route).await
                }

                // A page loaded directly is hydrated only after this: the group's module must be
                // there before the server's HTML is walked, or the route's view would still be
                // pending and hydrate against the wrong nodes (tachys `failed_to_cast_marker_node`).
                async fn preload() {
                    #[cfg(all(feature = "hydrate", wasm_split))]
                    $preload().await;
                }
            }
        )*
    };
}

screen_group!(
    /// The administrator's screens.
    admin_screens, __preload_admin_screens, AdminScreens {
    AdminStatus => crate::pages::AdminStatusPage,
    Users => crate::pages::UsersPage,
    UserNew => crate::pages::UserNewPage,
    UserEdit => crate::pages::UserEditPage,
    UserDelete => crate::pages::UserDeletePage,
    BulkReissue => crate::pages::BulkReissuePage,
    Import => crate::pages::ImportPage,
    FileSettings => crate::pages::FileSettingsPage,
    Audit => crate::pages::AuditPage,
    Certificates => crate::pages::CertificateListPage,
    Notices => crate::pages::NoticesPage,
    AdminEmail => crate::pages::AdminEmailPage,
    AdminAcquire => crate::pages::AdminAcquirePage,
});

screen_group!(
    /// The user's screens (and the certificate logon, which leads to them).
    user_screens, __preload_user_screens, UserScreens {
    Acquire => crate::pages::AcquirePage,
    UserStatus => crate::pages::UserStatusPage,
    PinChange => crate::pages::PinChangePage,
    CertLogon => crate::pages::CertLogonPage,
});

screen_group!(
    /// The second factor's screens, the administrator's and the user's alike.
    factor_screens, __preload_factor_screens, FactorScreens {
    LogonCode => crate::pages::LogonCodePage,
    Passkeys => crate::pages::PasskeysPage,
    OtpRegister => crate::pages::OtpRegisterPage,
});
