//! The city's name (「江州市」 in the demo), kept in memory for the pages, the files and the
//! API that show it: set at start from the database and again when a new city is initialised.

static CITY: std::sync::RwLock<String> = std::sync::RwLock::new(String::new());

pub fn city() -> String {
    let c = match CITY.read() {
        Ok(c) => c.clone(),
        Err(p) => p.into_inner().clone(),
    };
    if c.is_empty() { "本市".into() } else { c }
}

pub fn set_city(name: &str) {
    match CITY.write() {
        Ok(mut c) => *c = name.to_string(),
        Err(p) => *p.into_inner() = name.to_string(),
    }
}

