use super::*;

fn cst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    china_offset()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn cal() -> Calendar {
    match Calendar::bundled() {
        Ok(c) => c,
        Err(e) => panic!("bundled calendar does not parse: {e}"),
    }
}

#[test]
fn bundled_table_covers_2004_to_2026() {
    let c = cal();
    let years: Vec<i32> = c.years().collect();
    assert_eq!(years.first(), Some(&2004));
    assert_eq!(years.last(), Some(&2026));
    assert_eq!(years.len(), 23);
}

#[test]
fn spring_festival_2026_with_its_make_up_saturdays() {
    let c = cal();
    // 2026-02-14 (Saturday) is worked; the holiday runs 02-15 to 02-23; 02-28 (Saturday) is worked.
    assert_eq!(c.is_working_day(NaiveDate::from_ymd_opt(2026, 2, 14).unwrap_or_default()), (true, false));
    assert_eq!(c.is_working_day(NaiveDate::from_ymd_opt(2026, 2, 16).unwrap_or_default()), (false, false));
    assert_eq!(c.is_working_day(NaiveDate::from_ymd_opt(2026, 2, 23).unwrap_or_default()), (false, false));
    assert_eq!(c.is_working_day(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap_or_default()), (true, false));
    // Registered Friday 13 Feb: day 1 is the make-up Saturday, day 2 is Tuesday 24 Feb.
    let from = cst(2026, 2, 13, 10, 0);
    assert_eq!(c.add_working_days(from, 2), Deadline { at: cst(2026, 2, 24, 17, 30), provisional: false });
    assert_eq!(c.add_working_days(from, 5).at, cst(2026, 2, 27, 17, 30));
    assert_eq!(c.add_working_days(from, 6).at, cst(2026, 2, 28, 17, 30));
    // Two working hours from Friday 16:30: one hour that day, one on the make-up Saturday.
    assert_eq!(c.add_working_hours(cst(2026, 2, 13, 16, 30), 2).at, cst(2026, 2, 14, 9, 30));
    // From the make-up Saturday at 17:00, the next working time is after the festival.
    assert_eq!(c.add_working_hours(cst(2026, 2, 14, 17, 0), 1).at, cst(2026, 2, 24, 9, 0));
}

#[test]
fn national_day_2026_with_mid_autumn_and_make_up_days() {
    let c = cal();
    // 2026-09-20 (Sunday) worked; 09-25..27 中秋节; 10-01..07 国庆节; 10-10 (Saturday) worked.
    assert!(c.is_working_day(NaiveDate::from_ymd_opt(2026, 9, 20).unwrap_or_default()).0);
    assert!(!c.is_working_day(NaiveDate::from_ymd_opt(2026, 9, 25).unwrap_or_default()).0);
    assert!(!c.is_working_day(NaiveDate::from_ymd_opt(2026, 10, 7).unwrap_or_default()).0);
    assert!(c.is_working_day(NaiveDate::from_ymd_opt(2026, 10, 10).unwrap_or_default()).0);
    // 30 September, 1 working day: the whole Golden Week is skipped.
    assert_eq!(c.add_working_days(cst(2026, 9, 30, 16, 0), 1).at, cst(2026, 10, 8, 17, 30));
    // 2 working hours from 30 September 16:00: 1.5 h that day, 0.5 h on 8 October.
    assert_eq!(c.add_working_hours(cst(2026, 9, 30, 16, 0), 2).at, cst(2026, 10, 8, 9, 0));
    // From Friday 9 October 17:00: 0.5 h, then the make-up Saturday 10 October.
    assert_eq!(c.add_working_hours(cst(2026, 10, 9, 17, 0), 2).at, cst(2026, 10, 10, 10, 0));
    // 10 working days from 24 September (Thursday): 9-28,29,30, 10-8,9,10,12,13,14,15.
    assert_eq!(c.add_working_days(cst(2026, 9, 24, 9, 0), 10).at, cst(2026, 10, 15, 17, 30));
}

#[test]
fn working_hours_skip_the_lunch_break() {
    let c = cal();
    // Wednesday 2026-11-25 11:30 + 1 h = 14:30 (12:00-14:00 is not working time).
    assert_eq!(c.add_working_hours(cst(2026, 11, 25, 11, 30), 1).at, cst(2026, 11, 25, 14, 30));
    // Before opening: counting starts at 08:30.
    assert_eq!(c.add_working_minutes(cst(2026, 11, 25, 7, 0), 30).at, cst(2026, 11, 25, 9, 0));
    assert_eq!(c.working_minutes_between(cst(2026, 11, 25, 11, 0), cst(2026, 11, 25, 15, 0)).0, 120);
}

#[test]
fn a_year_without_a_schedule_is_provisional_and_loading_it_fixes_the_answer() {
    let mut c = cal();
    let from = cst(2026, 12, 30, 10, 0);
    let d = c.add_working_days(from, 2);
    // 12-31 and then 2027-01-01, a Friday counted as working because 2027 is not loaded.
    assert_eq!(d, Deadline { at: cst(2027, 1, 1, 17, 30), provisional: true });
    assert!(!c.add_working_days(cst(2026, 12, 1, 10, 0), 2).provisional);
    let published = "date,kind,holiday\n2027-01-01,holiday,元旦\n";
    c.load(parse_csv(published).unwrap_or_default());
    let d = c.add_working_days(from, 2);
    assert_eq!(d, Deadline { at: cst(2027, 1, 4, 17, 30), provisional: false });
}

#[test]
fn bad_schedules_are_refused_with_the_line() {
    assert_eq!(
        parse_csv("2027-01-06,workday,元旦"),
        Err(CalendarError::BadLine { line: 1, reason: "2027-01-06 不是周末，不能是调休上班日".into() })
    );
    assert!(matches!(parse_csv("# c\n2027-13-01,holiday,x"), Err(CalendarError::BadLine { line: 2, .. })));
    assert!(matches!(parse_csv("2027-01-01,rest,元旦"), Err(CalendarError::BadLine { .. })));
    assert!(matches!(
        parse_csv("2027-01-01,holiday,元旦\n2027-01-01,holiday,元旦"),
        Err(CalendarError::BadLine { line: 2, .. })
    ));
    assert_eq!(parse_csv("date,kind,holiday\n"), Err(CalendarError::Empty));
}

#[test]
fn working_hours_parse_and_print() {
    let h = WorkingHours::parse("09:00-12:00, 13:30-18:00").unwrap_or_default();
    assert_eq!(h.to_string(), "09:00-12:00,13:30-18:00");
    assert_eq!(h.minutes_per_day(), 450);
    assert!(WorkingHours::parse("12:00-09:00").is_err());
    assert!(WorkingHours::parse("08:00-12:00,11:00-13:00").is_err());
    assert!(WorkingHours::parse("").is_err());
}
