//! Compares the schema table with real WSDLs when `CRMAUTH_WSDL_DIR` names a directory of
//! them (CI sets it; without it the test checks nothing and says so).

use crmauth::codec::schema::wsdl_check;

#[test]
fn schema_table_matches_wsdl_dir_when_given() {
    let Ok(dir) = std::env::var("CRMAUTH_WSDL_DIR") else {
        eprintln!("CRMAUTH_WSDL_DIR not set: skipped");
        return;
    };
    let report = wsdl_check(std::path::Path::new(&dir)).expect("WSDL directory readable");
    for n in &report.notes {
        eprintln!("note: {n}");
    }
    for d in &report.differences {
        eprintln!("difference: {d}");
    }
    assert!(report.differences.is_empty(), "{} differences", report.differences.len());
}
