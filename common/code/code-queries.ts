/**
 * What a file defines and imports, said in tree-sitter's own query language per grammar (the way
 * editors' and code-search tools' tags queries say it), so the names come from the parse tree, never
 * from a pattern over the text. Captures: `def` a name the file defines (a top-level function, class,
 * constant or variable, a method, a Go type), `import` a name it imports, `module` what an import
 * statement names (a module path or a package), `qualifier` + `member` a package-qualified use
 * (`retry.MaxAttempts`: kept when the qualifier is an imported package or module), `literal` the text of a string
 * literal (code-names.ts keeps those written as a key: a header, an environment variable, a flag, a config key), `flag`
 * the name Go's standard `flag` package defines a command-line flag by (`flag.String("region", …)`: the flag `--region`).
 */
import type { CodeLanguage } from './code-language.js';

const PYTHON = `
(module (function_definition name: (identifier) @def))
(module (class_definition name: (identifier) @def))
(module (decorated_definition definition: (function_definition name: (identifier) @def)))
(module (decorated_definition definition: (class_definition name: (identifier) @def)))
(class_definition body: (block (function_definition name: (identifier) @def)))
(class_definition body: (block (decorated_definition definition: (function_definition name: (identifier) @def))))
(class_definition body: (block (expression_statement (assignment left: (identifier) @def right: (_)))))
(module (expression_statement (assignment left: (identifier) @def)))
(module (expression_statement (assignment left: (pattern_list (identifier) @def))))
(import_from_statement name: (dotted_name (identifier) @import .))
(import_from_statement name: (aliased_import name: (dotted_name (identifier) @import .)))
(import_from_statement module_name: (dotted_name) @module)
(import_from_statement module_name: (relative_import) @module)
(import_statement name: (dotted_name) @module)
(import_statement name: (aliased_import name: (dotted_name) @module alias: (identifier) @alias))
(attribute object: (identifier) @qualifier attribute: (identifier) @member)
(string (string_content) @literal)
`;

/** JavaScript's and TypeScript's shared statements (class names are `identifier` in JS, `type_identifier` in TS). */
const ecma = (className: string, extra = '') => `
(program (function_declaration name: (identifier) @def))
(program (generator_function_declaration name: (identifier) @def))
(program (class_declaration name: (${className}) @def))
(program (lexical_declaration (variable_declarator name: (identifier) @def)))
(program (variable_declaration (variable_declarator name: (identifier) @def)))
(program (export_statement declaration: (function_declaration name: (identifier) @def)))
(program (export_statement declaration: (generator_function_declaration name: (identifier) @def)))
(program (export_statement declaration: (class_declaration name: (${className}) @def)))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @def))))
(program (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @def))))
(class_body (method_definition name: (property_identifier) @def))
(import_specifier name: (identifier) @import)
(import_clause (identifier) @import)
(namespace_import (identifier) @alias)
(import_statement source: (string (string_fragment) @module))
(export_statement source: (string (string_fragment) @module))
(call_expression function: (identifier) @require (#eq? @require "require") arguments: (arguments (string (string_fragment) @module)))
(member_expression object: (identifier) @qualifier property: (property_identifier) @member)
(string (string_fragment) @literal)
(template_string . (string_fragment) @literal .)
${extra}`;

const TYPESCRIPT_EXTRA = `
(program (interface_declaration name: (type_identifier) @def))
(program (type_alias_declaration name: (type_identifier) @def))
(program (enum_declaration name: (identifier) @def))
(program (abstract_class_declaration name: (type_identifier) @def))
(program (export_statement declaration: (interface_declaration name: (type_identifier) @def)))
(program (export_statement declaration: (type_alias_declaration name: (type_identifier) @def)))
(program (export_statement declaration: (enum_declaration name: (identifier) @def)))
(program (export_statement declaration: (abstract_class_declaration name: (type_identifier) @def)))
(class_body (abstract_method_signature name: (property_identifier) @def))
`;

const GO = `
(source_file (function_declaration name: (identifier) @def))
(source_file (method_declaration name: (field_identifier) @def))
(source_file (type_declaration (type_spec name: (type_identifier) @def)))
(source_file (const_declaration (const_spec name: (identifier) @def)))
(source_file (var_declaration (var_spec name: (identifier) @def)))
(source_file (var_declaration (var_spec_list (var_spec name: (identifier) @def))))
(import_spec name: (package_identifier) @alias path: (interpreted_string_literal) @module)
(import_spec path: (interpreted_string_literal) @module)
(selector_expression operand: (identifier) @qualifier field: (field_identifier) @member)
(qualified_type package: (package_identifier) @qualifier name: (type_identifier) @member)
(interpreted_string_literal (interpreted_string_literal_content) @literal)
(call_expression function: (selector_expression operand: (identifier) @flagpkg field: (field_identifier)) arguments: (argument_list . (interpreted_string_literal (interpreted_string_literal_content) @flag)) (#eq? @flagpkg "flag"))
(call_expression function: (selector_expression operand: (identifier) @flagpkg field: (field_identifier)) arguments: (argument_list . (unary_expression) . (interpreted_string_literal (interpreted_string_literal_content) @flag)) (#eq? @flagpkg "flag"))
`;

export const NAME_QUERIES: Record<CodeLanguage, string> = {
  python: PYTHON,
  javascript: ecma('identifier'),
  typescript: ecma('type_identifier', TYPESCRIPT_EXTRA),
  tsx: ecma('type_identifier', TYPESCRIPT_EXTRA),
  go: GO,
};
