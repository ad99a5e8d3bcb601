//! The HTML report's charts as inline SVG documents (plotters' SVG backend: text stays `<text>`,
//! escaped by plotters, so no font is needed to draw and the reader's browser renders it).

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::format::usd;

const SIZE: (u32, u32) = (760, 380);
const FONT: &str = "sans-serif";

/// Colour-blind-safe series colours (Okabe–Ito), in provider order.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];

#[derive(Debug, thiserror::Error)]
#[error("cannot draw the {chart} chart: {message}")]
pub struct ChartError {
    chart: &'static str,
    message: String,
}

pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Runs `draw` on a blank SVG canvas and returns the document.
fn svg(
    chart: &'static str,
    draw: impl FnOnce(&Area) -> Result<(), Box<dyn Error>>,
) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let fail = |e: &dyn Error| ChartError {
            chart,
            message: e.to_string(),
        };
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        draw(&root).map_err(|e| fail(e.as_ref()))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(out)
}

/// A log-scale axis range around positive `values`, with room on both sides.
fn log_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| {
            Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
        })?;
    Some((lo / 1.5, hi * 1.5))
}

/// Empirical CDF of each provider's call durations: the share of calls that took at most x ms.
/// `series` holds (provider, durations ascending, colour index); empty series are left out.
pub fn latency_cdf(series: &[(String, Vec<f64>, usize)]) -> Result<Option<String>, ChartError> {
    let Some((lo, hi)) = log_range(series.iter().flat_map(|(_, v, _)| v.iter().copied())) else {
        return Ok(None);
    };
    svg("latency CDF", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d((lo..hi).log_scale(), 0f64..1.0)?;
        chart
            .configure_mesh()
            .x_desc("call duration (ms, log scale)")
            .y_desc("share of calls at most this long")
            .x_labels(12)
            .max_light_lines(0)
            .x_label_formatter(&|v| log_label(*v, format!("{v:.0}")))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        for (name, values, c) in series {
            if values.is_empty() {
                continue;
            }
            let n = values.len() as f64;
            // A step at each duration: the share rises by 1/n there.
            let steps = values
                .iter()
                .enumerate()
                .flat_map(|(k, &v)| [(v.max(lo), k as f64 / n), (v.max(lo), (k + 1) as f64 / n)]);
            let c = color(*c);
            chart
                .draw_series(LineSeries::new(steps, c.stroke_width(3)))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(3)));
        }
        legend(&mut chart)
    })
    .map(Some)
}

/// Horizontal bars, one per (label, USD value, colour index), with the value printed at the end.
pub fn usd_bars(x_desc: &str, bars: &[(String, f64, usize)]) -> Result<Option<String>, ChartError> {
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    if bars.is_empty() || max <= 0.0 {
        return Ok(None);
    }
    let longest = bars.iter().map(|b| b.0.chars().count()).max().unwrap_or(0);
    // Bars top down in the given order: bar i spans [100 k + 15, 100 k + 85], k = n − 1 − i, of a
    // y axis whose only key points are the bars' centres, where their labels go. (Integers:
    // plotters formats an f64 axis only through a formatter of its own kind, which key points
    // do not carry.)
    let n = bars.len() as i32;
    let slot = |i: usize| 100 * (n - 1 - i as i32);
    let centres: Vec<i32> = (0..bars.len()).map(|i| slot(i) + 50).collect();
    let label = |y: i32| bars.get((n - 1 - y / 100) as usize).map(|b| b.0.clone());
    svg("cost projection", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size((longest as u32 * 7 + 16).min(SIZE.0 / 2))
            .build_cartesian_2d(0f64..max * 1.3, (0..100 * n).with_key_points(centres))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(4)
            .y_labels(bars.len())
            .y_label_formatter(&|y| label(*y).unwrap_or_default())
            .x_desc(x_desc)
            .x_label_formatter(&|v| usd(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, v, c))| {
            let y = slot(i);
            Rectangle::new([(0.0, y + 15), (*v, y + 85)], color(*c).filled())
        }))?;
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, v, _))| {
            EmptyElement::at((*v, slot(i) + 50))
                + Text::new(
                    usd(*v),
                    (5, 0),
                    TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center)),
                )
        }))?;
        Ok(())
    })
    .map(Some)
}

/// One point per (provider, cost per 1k requests, pass rate, colour index) on a log cost axis;
/// `front` are the indices of the points on the Pareto front, joined by a line. Points without a
/// positive cost cannot sit on a log axis and are left out (the cost table still lists them).
pub fn quality_vs_cost(
    points: &[(String, f64, f64, usize)],
    front: &[usize],
) -> Result<Option<String>, ChartError> {
    let Some((lo, hi)) = log_range(points.iter().map(|p| p.1)) else {
        return Ok(None);
    };
    svg("quality vs cost", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d((lo..hi).log_scale(), 0f64..1.05)?;
        chart
            .configure_mesh()
            .x_desc("cost per 1k requests (USD, log scale)")
            .y_desc("pass rate")
            .x_labels(12)
            .max_light_lines(0)
            .x_label_formatter(&|v| log_label(*v, usd(*v)))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        let mut on_front: Vec<(f64, f64)> = front
            .iter()
            .filter_map(|&i| points.get(i))
            .filter(|p| p.1 > 0.0)
            .map(|p| (p.1, p.2))
            .collect();
        on_front.sort_by(|a, b| a.0.total_cmp(&b.0));
        let grey = RGBColor(90, 90, 90);
        chart
            .draw_series(LineSeries::new(on_front, grey.stroke_width(2)))?
            .label("Pareto front (nothing is both cheaper and better)")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], grey.stroke_width(2)));
        chart.draw_series(
            points
                .iter()
                .filter(|p| p.1 > 0.0)
                .map(|(name, cost, q, c)| {
                    EmptyElement::at((*cost, *q))
                        + Circle::new((0, 0), 6, color(*c).filled())
                        + Text::new(name.clone(), (9, -14), (FONT, 13).into_font())
                }),
        )?;
        legend(&mut chart)
    })
    .map(Some)
}

/// A load sweep's throughput–latency curve: one point per (level label, output tokens/s, the
/// latency percentile `metric` names, in ms), joined in sweep order; `slo` draws the bound as a
/// horizontal line, `goodput` rings the level goodput rests on. The knee is where the curve
/// turns up: more load buys little throughput and much latency.
pub fn capacity_curve(
    points: &[(String, f64, f64)],
    metric: &str,
    slo: Option<f64>,
    (goodput, knee): (Option<usize>, Option<usize>),
) -> Result<Option<String>, ChartError> {
    if points.is_empty() {
        return Ok(None);
    }
    let x_max = points.iter().map(|p| p.1).fold(0.0, f64::max).max(1.0) * 1.15;
    let y_max = (points.iter().map(|p| p.2))
        .chain(slo)
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.15;
    svg("capacity", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
        chart
            .configure_mesh()
            .x_desc("output tokens/s delivered")
            .y_desc(format!("{metric} (ms)"))
            .max_light_lines(0)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        let line: Vec<(f64, f64)> = points.iter().map(|p| (p.1, p.2)).collect();
        chart
            .draw_series(LineSeries::new(line, color(0).stroke_width(2)))?
            .label(format!("{metric} at each load level"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], color(0).stroke_width(2)));
        chart.draw_series(points.iter().map(|(name, x, y)| {
            EmptyElement::at((*x, *y))
                + Circle::new((0, 0), 5, color(0).filled())
                + Text::new(name.clone(), (8, -16), (FONT, 13).into_font())
        }))?;
        if let Some(bound) = slo {
            let red = color(3);
            chart
                .draw_series(LineSeries::new(
                    [(0.0, bound), (x_max, bound)],
                    red.stroke_width(2),
                ))?
                .label(format!("SLO: {metric} ≤ {bound:.0} ms"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], red.stroke_width(2)));
        }
        if let Some((_, x, y)) = knee.and_then(|i| points.get(i)) {
            let grey = RGBColor(90, 90, 90);
            chart
                .draw_series([TriangleMarker::new((*x, *y), 12, grey.stroke_width(2))])?
                .label("knee: past it, more load buys latency, not throughput")
                .legend(move |(x, y)| TriangleMarker::new((x + 10, y), 6, grey.stroke_width(2)));
        }
        if let Some((_, x, y)) = goodput.and_then(|i| points.get(i)) {
            let green = color(2);
            chart
                .draw_series([Circle::new((*x, *y), 11, green.stroke_width(3))])?
                .label("goodput: the most throughput within the SLO")
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, green.stroke_width(2)));
        }
        legend(&mut chart)
    })
    .map(Some)
}

/// The series' legend, in the lower right corner.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// `label` where `v` is 1, 2 or 5 times a power of ten, else nothing: a log axis's key points
/// crowd together towards each power of ten.
fn log_label(v: f64, label: String) -> String {
    let mantissa = v / 10f64.powf(v.log10().floor());
    let round = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .any(|m| (mantissa - m).abs() < 1e-6 * m);
    if round {
        label
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_text_elements_and_escaped_labels() {
        let svg = latency_cdf(&[
            ("a<b>&\"c\"".into(), vec![100.0, 200.0, 400.0], 0),
            ("empty".into(), vec![], 1),
        ])
        .unwrap()
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains("<text"));
        assert!(
            svg.contains("a&lt;b&gt;&amp;&quot;c&quot;"),
            "label escaped"
        );
        assert!(!svg.contains("a<b>"));
        // Each series is a polyline in its colour.
        assert!(svg.contains("#0072B2"), "first palette colour");
        assert!(latency_cdf(&[("x".into(), vec![], 0)]).unwrap().is_none());

        let bars = usd_bars(
            "USD per month",
            &[("a".into(), 12.5, 0), ("b".into(), 1500.0, 1)],
        )
        .unwrap()
        .unwrap();
        assert!(
            bars.contains(">\n$12.50\n<") && bars.contains(">\n$1500\n<"),
            "{bars}"
        );
        assert!(usd_bars("x", &[]).unwrap().is_none());
        let one = usd_bars("x", &[("only".into(), 3.0, 0)]).unwrap().unwrap();
        assert!(
            one.contains(">\nonly\n<") && one.contains(">\n$3.00\n<"),
            "{one}"
        );

        let scatter = quality_vs_cost(
            &[
                ("cheap".into(), 0.5, 0.6, 0),
                ("dear".into(), 5.0, 0.9, 1),
                ("free".into(), 0.0, 0.1, 2),
            ],
            &[0, 1],
        )
        .unwrap()
        .unwrap();
        assert!(scatter.contains("cheap") && scatter.contains("Pareto front"));
        assert!(
            !scatter.contains(">\nfree\n<"),
            "a zero cost has no place on a log axis"
        );
    }
}
