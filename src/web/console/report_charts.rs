//! The report's charts: SVG drawn on the server (no JavaScript), with labelled axes (counts on the left,
//! dates or hours along the bottom, weekdays down the side) in the console's language.

use std::fmt::Write;

/// Escapes text for SVG.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What a bar chart's axes say.
pub struct Axes<'a> {
    /// Along the bottom (`Date`).
    pub x: &'a str,
    /// Up the side (`Conversations`).
    pub y: &'a str,
}

/// A bar chart of labelled counts: ticks at 0, half and the largest count, and the first, middle and last
/// labels under their bars.
pub fn bars(id: &str, title: &str, axes: &Axes, items: &[(String, u64)]) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 210.0, 48.0, 12.0, 12.0, 44.0);
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let plot_h = h - top - bottom;
    let step = (w - left - right) / items.len().max(1) as f64;
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"100%\"><title>{}</title>",
        esc(title)
    );
    for (i, (label, n)) in items.iter().enumerate() {
        let bh = plot_h * (*n as f64) / max as f64;
        let x = left + i as f64 * step;
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#2f6feb\"><title>{}: {n}</title></rect>",
            top + plot_h - bh,
            (step * 0.8).max(1.0),
            esc(label)
        );
    }
    // The y axis: 0, half and the largest count (whole numbers only), with faint grid lines.
    let mut ticks = vec![0, max];
    if max >= 2 {
        ticks.insert(1, max / 2);
    }
    for tick in ticks {
        let y = top + plot_h - plot_h * tick as f64 / max as f64;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#d8dde3\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#656d76\">{tick}</text>",
            w - right,
            left - 6.0,
            y + 4.0
        );
    }
    // The x axis: the first, middle and last labels.
    let n = items.len();
    let mut shown: Vec<usize> = vec![0, n / 2, n.saturating_sub(1)];
    shown.dedup();
    for i in shown.into_iter().filter(|&i| i < n) {
        let x = left + i as f64 * step + step * 0.4;
        let _ = write!(
            svg,
            "<text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#656d76\">{}</text>",
            top + plot_h + 14.0,
            esc(&items[i].0)
        );
    }
    let _ = write!(
        svg,
        "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\
         <text class=\"axis\" x=\"12\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">{}</text></svg>",
        left + (w - left - right) / 2.0,
        h - 6.0,
        esc(axes.x),
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        esc(axes.y)
    );
    svg
}

/// The hour-of-week heatmap: weekdays (`weekdays`, Monday first) down the side, hours along the top.
pub fn heatmap(
    id: &str,
    title: &str,
    weekdays: [&str; 7],
    hour_axis: &str,
    heat: &[[u64; 24]; 7],
) -> String {
    let max = heat.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let (cell, left, top) = (26.0, 44.0, 30.0);
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" viewBox=\"0 0 {} {}\" width=\"100%\"><title>{}</title>",
        left + 24.0 * cell,
        top + 7.0 * cell,
        esc(title)
    );
    let _ = write!(
        svg,
        "<text class=\"axis\" x=\"{left}\" y=\"11\" font-size=\"11\">{}</text>",
        esc(hour_axis)
    );
    for (d, day) in weekdays.iter().enumerate() {
        let y = top + d as f64 * cell;
        let _ = write!(
            svg,
            "<text class=\"tick\" x=\"0\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            y + cell * 0.65,
            esc(day)
        );
        for (hour, n) in heat[d].iter().enumerate() {
            let _ = write!(
                svg,
                "<rect class=\"cell\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#2f6feb\" fill-opacity=\"{:.2}\"><title>{} {hour}:00: {n}</title></rect>",
                left + hour as f64 * cell,
                cell - 2.0,
                cell - 2.0,
                0.06 + 0.94 * (*n as f64) / max,
                esc(day)
            );
        }
    }
    for hour in (0..24).step_by(3) {
        let _ = write!(
            svg,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{hour}:00</text>",
            left + hour as f64 * cell,
            top - 4.0
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_scale_to_the_largest_value_label_their_axes_and_escape_labels() {
        let axes = Axes {
            x: "Date",
            y: "Conversations",
        };
        let items = [("<a>".into(), 2), ("b".into(), 4), ("c".into(), 0)];
        let svg = bars("c", "t", &axes, &items);
        assert!(svg.contains("&lt;a&gt;: 2"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 3);
        for tick in [">0<", ">2<", ">4<"] {
            assert!(svg.contains(tick), "{tick} in {svg}");
        }
        assert!(svg.contains(">Date<") && svg.contains(">Conversations<"));
        let mut heat = [[0; 24]; 7];
        heat[0][9] = 3;
        let days = ["月", "火", "水", "木", "金", "土", "日"];
        let svg = heatmap("h", "t", days, "時", &heat);
        assert_eq!(svg.matches("class=\"cell\"").count(), 168);
        assert!(svg.contains("月 9:00: 3") && svg.contains(">21:00<"));
    }
}
