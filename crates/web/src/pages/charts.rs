//! Charts drawn on the server as SVG: no script, nothing to fetch, readable in any browser and
//! in a printed report. Every label is escaped here, as the templates insert the SVG as is.

use std::fmt::Write;

pub struct Bar {
    pub label: String,
    pub value: f64,
    /// What is written at the end of the bar.
    pub text: String,
}

pub struct Stack {
    pub label: String,
    /// Values with their colours, drawn left to right.
    pub parts: Vec<(f64, &'static str)>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Labels are cut to fit the label column.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}

const EMPTY: &str = r##"<svg viewBox="0 0 600 60" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="暂无数据"><text x="300" y="35" text-anchor="middle" fill="#646a73" font-size="14">暂无数据</text></svg>"##;

/// Horizontal bars, largest first as given.
pub fn hbar(bars: &[Bar], color: &str) -> String {
    if bars.is_empty() {
        return EMPTY.into();
    }
    let (w, label_w, row) = (600.0, 170.0, 26.0);
    let h = bars.len() as f64 * row + 8.0;
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max).max(1e-9);
    let mut s = format!(r#"<svg viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img" font-size="13">"#);
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let bw = (w - label_w - 70.0) * (b.value / max);
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" fill="#1f2329">{label}</text><rect x="{label_w}" y="{y}" width="{bw:.1}" height="{bh}" rx="3" fill="{color}"><title>{full}：{text}</title></rect><text x="{vx:.1}" y="{ty}" fill="#646a73">{text}</text>"##,
            lx = label_w - 8.0,
            ty = y + 15.0,
            label = esc(&short(&b.label, 12)),
            full = esc(&b.label),
            bh = row - 8.0,
            vx = label_w + bw + 6.0,
            text = esc(&b.text),
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal stacked bars (open orders by colour).
pub fn stacked(rows: &[Stack]) -> String {
    if rows.is_empty() {
        return EMPTY.into();
    }
    let (w, label_w, row) = (600.0, 170.0, 26.0);
    let h = rows.len() as f64 * row + 8.0;
    let max = rows.iter().map(|r| r.parts.iter().map(|p| p.0).sum::<f64>()).fold(0.0_f64, f64::max).max(1e-9);
    let mut s = format!(r#"<svg viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img" font-size="13">"#);
    for (i, r) in rows.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let _ = write!(s, r##"<text x="{}" y="{}" text-anchor="end" fill="#1f2329">{}</text>"##, label_w - 8.0, y + 15.0, esc(&short(&r.label, 12)));
        let mut x = label_w;
        for (v, color) in &r.parts {
            let bw = (w - label_w - 60.0) * (v / max);
            if bw > 0.0 {
                let _ = write!(s, r#"<rect x="{x:.1}" y="{y}" width="{bw:.1}" height="{}" fill="{color}"><title>{}</title></rect>"#, row - 8.0, v);
            }
            x += bw;
        }
        let total: f64 = r.parts.iter().map(|p| p.0).sum();
        let _ = write!(s, r##"<text x="{:.1}" y="{}" fill="#646a73">{total}</text>"##, x + 6.0, y + 15.0);
    }
    s.push_str("</svg>");
    s
}

/// A line over days, with the points' values on hover.
pub fn line(points: &[(String, f64)]) -> String {
    if points.is_empty() {
        return EMPTY.into();
    }
    let (w, h, left, bottom, top) = (600.0, 220.0, 40.0, 24.0, 12.0);
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max).max(1.0);
    let step = (w - left - 10.0) / (points.len().max(2) - 1) as f64;
    let y_of = |v: f64| top + (h - top - bottom) * (1.0 - v / max);
    let mut s = format!(r#"<svg viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img" font-size="11">"#);
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        let y = y_of(v);
        let _ = write!(s, r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#eceef1"/><text x="{}" y="{:.1}" text-anchor="end" fill="#8a9099">{:.0}</text>"##, w - 10.0, left - 4.0, y + 4.0, v);
    }
    let path: Vec<String> = points.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", left + i as f64 * step, y_of(p.1))).collect();
    let _ = write!(s, r##"<polygon points="{left},{base} {} {:.1},{base}" fill="#b8262c" fill-opacity="0.08"/>"##, path.join(" "), left + (points.len() - 1) as f64 * step, base = h - bottom);
    let _ = write!(s, r##"<polyline points="{}" fill="none" stroke="#b8262c" stroke-width="2"/>"##, path.join(" "));
    for (i, p) in points.iter().enumerate() {
        let x = left + i as f64 * step;
        let _ = write!(s, r##"<circle cx="{x:.1}" cy="{:.1}" r="2.5" fill="#b8262c"><title>{}：{}</title></circle>"##, y_of(p.1), esc(&p.0), p.1);
        if i % 5 == 0 || i == points.len() - 1 {
            let _ = write!(s, r##"<text x="{x:.1}" y="{}" text-anchor="middle" fill="#8a9099">{}</text>"##, h - 6.0, esc(&p.0));
        }
    }
    s.push_str("</svg>");
    s
}
