//! 登录, the first administrator of a new installation, 退出.

use crate::pages::desk::prelude::*;

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site: never `//elsewhere`, `https://…`, or a path that a browser reads as
/// another site once it has dropped the tabs and line breaks inside it (`/\t/evil.example`).
/// Anything else sends the user to the desk.
pub(crate) fn safe_next(n: Option<&str>) -> String {
    match n {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.len() <= 2000
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            p.to_string()
        }
        _ => "/desk".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_only_ever_a_path_of_this_site() {
        assert_eq!(safe_next(Some("/orders/20261125000016?tab=1")), "/orders/20261125000016?tab=1");
        for bad in ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example", "/\n/x", "/ /x", "/\u{3000}/x", ""] {
            assert_eq!(safe_next(Some(bad)), "/desk", "{bad:?}");
        }
    }
}

#[derive(Template)]
#[template(path = "setup.html")]
pub(crate) struct SetupPage {
    csrf: String,
    city: String,
    username: String,
    name: String,
    error: Option<String>,
}

/// The first-run page: only while no account exists.
pub async fn setup_page(State(st): State<AppState>, tok: FormToken) -> PageResult {
    if !st.store.needs_setup().await? {
        return Ok(Redirect::to("/login").into_response());
    }
    let page = SetupPage { csrf: tok.token.clone(), city: String::new(), username: "admin".into(), name: String::new(), error: None };
    Ok(tok.attach(render(&page)))
}

/// Create the first administrator and log in as them.
pub async fn setup(State(st): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, tok: FormToken, form: Form) -> PageResult {
    tok.check(&form)?;
    let (city, username, name) = (form.text("city").unwrap_or_default(), form.text("username").unwrap_or_default(), form.text("name").unwrap_or_default());
    let password = form.get("password").unwrap_or_default().to_string();
    if let Err(e) = st.store.init_city(&city, &username, &name, &password).await {
        let e = ApiError::from(e);
        let mut r = render(&SetupPage { csrf: tok.token.clone(), city, username, name, error: Some(e.message) });
        *r.status_mut() = e.status;
        return Ok(r);
    }
    crate::pages::set_city(&city);
    let ua = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let (token, _) = st.store.login(&username, &password, &ip, ua).await?;
    let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
    Ok(([(SET_COOKIE, cookie)], Redirect::to("/admin?ok=%E5%B7%B2%E5%88%9B%E5%BB%BA%E7%AE%A1%E7%90%86%E5%91%98")).into_response())
}

pub async fn login_page(State(st): State<AppState>, tok: FormToken, Query(q): Query<NextQuery>) -> Response {
    // A new installation has nobody to log in: its first page is the set-up.
    if st.store.needs_setup().await.unwrap_or(false) {
        return Redirect::to("/setup").into_response();
    }
    // Without a page to return to, the login form sends none: the role's home is chosen then.
    let next = q.next.as_deref().map(|n| safe_next(Some(n))).unwrap_or_default();
    let page = LoginPage { csrf: tok.token.clone(), next, username: String::new(), error: None };
    tok.attach(render(&page))
}

pub async fn login(State(st): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, tok: FormToken, form: Form) -> PageResult {
    tok.check(&form)?;
    let username = form.text("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default().to_string();
    // No page asked for: each role's home (a leader's is the dashboard).
    let asked = form.get("next").filter(|n| !n.is_empty()).is_some();
    let next = safe_next(form.get("next"));
    let ua = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    match st.store.login(&username, &password, &ip, ua).await {
        Ok((token, staff)) => {
            let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
            // A leader's home is the dashboard: a leader has little in the inbox and reads figures.
            let next = if !asked && staff.has(sanfu_domain::Role::Leader) { "/dashboard".to_string() } else { next };
            Ok(([(SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        Err(e) => {
            let e = ApiError::from(e);
            let page = LoginPage { csrf: tok.token.clone(), next: if asked { next } else { String::new() }, username, error: Some(e.message) };
            let mut r = render(&page);
            *r.status_mut() = e.status;
            Ok(r)
        }
    }
}

pub async fn logout(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    st.store.logout(&d.session_id, &d.actor).await?;
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(([(SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}
