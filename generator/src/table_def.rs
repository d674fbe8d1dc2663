//! `dyngen table`: the CreateTable definition of a schema's table.

use dyngen_dsl::ir::Schema;

/// What `dyngen table` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// `aws dynamodb create-table --cli-input-json`, plus the TTL setting.
    Json,
    /// An `AWS::DynamoDB::Table` resource of a CloudFormation template.
    CloudFormation,
}

/// The table definition; `table_name` defaults to the schema's table name.
pub fn render_table(schema: &Schema, table_name: Option<&str>, format: TableFormat) -> String {
    let _ = (schema, table_name, format);
    String::new()
}
