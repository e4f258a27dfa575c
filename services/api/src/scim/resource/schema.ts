import { USER_STATUSES } from "@scimline/domain";

/**
 * The SCIM schemas we serve (RFC 7643 §7, §8.7): one source for /Schemas,
 * attribute-name canonicalisation, filters, sorting, projection and mutability.
 */

export const SCHEMA = {
  user: "urn:ietf:params:scim:schemas:core:2.0:User",
  group: "urn:ietf:params:scim:schemas:core:2.0:Group",
  enterprise: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
  telephony: "urn:scimline:params:scim:schemas:extension:telephony:2.0:User",
  listResponse: "urn:ietf:params:scim:api:messages:2.0:ListResponse",
  patchOp: "urn:ietf:params:scim:api:messages:2.0:PatchOp",
  error: "urn:ietf:params:scim:api:messages:2.0:Error",
  serviceProviderConfig: "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
  resourceType: "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
  schema: "urn:ietf:params:scim:schemas:core:2.0:Schema",
} as const;

export type AttributeType =
  | "string"
  | "boolean"
  | "decimal"
  | "integer"
  | "dateTime"
  | "reference"
  | "complex"
  | "binary";
export type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";
export type Returned = "always" | "never" | "default" | "request";
export type Uniqueness = "none" | "server" | "global";

export type AttributeDef = {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
};

export type SchemaDef = {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
};

type Opts = Partial<Omit<AttributeDef, "name" | "type" | "subAttributes">>;

const attr = (name: string, type: AttributeType, description: string, opts: Opts = {}): AttributeDef => ({
  name,
  type,
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...opts,
});

const str = (name: string, description: string, opts: Opts = {}) => attr(name, "string", description, opts);

const complex = (name: string, description: string, subAttributes: AttributeDef[], opts: Opts = {}): AttributeDef => ({
  ...attr(name, "complex", description, opts),
  subAttributes,
});

/** value/display/type/primary, the shape of emails, phoneNumbers, ims, photos, … */
const multiValued = (name: string, description: string, types: string[], valueType: AttributeType = "string") =>
  complex(
    name,
    description,
    [
      attr("value", valueType, `The ${name} value.`),
      str("display", "A human-readable name, primarily used for display purposes."),
      str("type", "A label indicating the attribute's function.", { canonicalValues: types }),
      attr("primary", "boolean", "Indicates the 'primary' or preferred value."),
    ],
    { multiValued: true },
  );

const reference = (name: string, referenceTypes: string[], description: string, opts: Opts = {}) =>
  attr(name, "reference", description, { referenceTypes, ...opts });

export const userSchema: SchemaDef = {
  id: SCHEMA.user,
  name: "User",
  description: "User Account",
  attributes: [
    str(
      "userName",
      "Unique identifier for the User, typically used to sign in. Unique per company, case-insensitively.",
      {
        required: true,
        uniqueness: "server",
      },
    ),
    complex("name", "The components of the user's real name.", [
      str("formatted", "The full name, formatted for display."),
      str("familyName", "The family name of the User."),
      str("givenName", "The given name of the User."),
      str("middleName", "The middle name(s) of the User."),
      str("honorificPrefix", "The honorific prefix(es) of the User."),
      str("honorificSuffix", "The honorific suffix(es) of the User."),
    ]),
    str("displayName", "The name of the User, suitable for display to end-users."),
    str("nickName", "The casual way to address the user."),
    reference(
      "profileUrl",
      ["external"],
      "A fully qualified URL pointing to a page representing the User's online profile.",
    ),
    str("title", 'The user\'s title, such as "Vice President".'),
    str("userType", "Used to identify the relationship between the organization and the user."),
    str("preferredLanguage", "The User's preferred written or spoken language."),
    str("locale", "The User's default location for localizing items."),
    str("timezone", "The User's time zone in the 'Olson' time zone database format."),
    attr("active", "boolean", "The User's administrative status. Deactivation suspends the user's phone service."),
    str("password", "The User's cleartext password; stored only as a slow hash, never returned.", {
      mutability: "writeOnly",
      returned: "never",
      caseExact: true,
    }),
    multiValued("emails", "Email addresses for the user.", ["work", "home", "other"]),
    multiValued("phoneNumbers", "Phone numbers for the User.", ["work", "home", "mobile", "fax", "pager", "other"]),
    multiValued("ims", "Instant messaging addresses for the User.", [
      "aim",
      "gtalk",
      "icq",
      "xmpp",
      "msn",
      "skype",
      "qq",
      "yahoo",
    ]),
    multiValued("photos", "URLs of photos of the User.", ["photo", "thumbnail"], "reference"),
    complex(
      "addresses",
      "A physical mailing address for this User. The primary (else work) address's country drives office matching.",
      [
        str("formatted", "The full mailing address, formatted for display."),
        str("streetAddress", "The full street address component."),
        str("locality", "The city or locality component."),
        str("region", "The state or region component."),
        str("postalCode", "The zip code or postal code component."),
        str("country", "The country name component (ISO 3166-1 alpha-2 or an English country name)."),
        str("type", "A label indicating the attribute's function.", { canonicalValues: ["work", "home", "other"] }),
        attr("primary", "boolean", "Indicates the 'primary' or preferred value."),
      ],
      { multiValued: true },
    ),
    complex(
      "groups",
      "A list of groups to which the user belongs (managed through /Groups).",
      [
        str("value", "The identifier of the User's group.", { mutability: "readOnly" }),
        reference("$ref", ["Group"], "The URI of the corresponding 'Group' resource.", { mutability: "readOnly" }),
        str("display", "A human-readable name.", { mutability: "readOnly" }),
        str("type", "direct or indirect.", { mutability: "readOnly", canonicalValues: ["direct", "indirect"] }),
      ],
      { multiValued: true, mutability: "readOnly" },
    ),
    multiValued("entitlements", "A list of entitlements for the User.", []),
    multiValued("roles", "A list of roles for the User.", []),
    multiValued("x509Certificates", "A list of certificates issued to the User.", [], "binary"),
    // Accepted at the top level as well as in the enterprise extension (docs/RULES.md "The SCIM surface").
    str("officeName", "Name of the office to provision the user into (also accepted in the enterprise extension)."),
    str("physicalDeliveryOfficeName", "Office location (also accepted in the enterprise extension)."),
    str("department", "Department (also accepted in the enterprise extension)."),
    str(
      "licenseType",
      "Phone license type as the identity provider asks for it; repeating it is fine, a change is refused (an admin changes licenses). Also accepted in the enterprise extension.",
      {
        mutability: "immutable",
        caseExact: true,
      },
    ),
  ],
};

export const enterpriseUserSchema: SchemaDef = {
  id: SCHEMA.enterprise,
  name: "EnterpriseUser",
  description: "Enterprise User, with the custom attributes that drive provisioning.",
  attributes: [
    str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person."),
    str("costCenter", "Identifies the name of a cost center."),
    str("organization", "Identifies the name of an organization."),
    str("division", "Identifies the name of a division."),
    str("department", "Identifies the name of a department. Office matching rule 3."),
    complex("manager", "The User's manager.", [
      str("value", "The id of the SCIM resource representing the User's manager."),
      reference("$ref", ["User"], "The URI of the SCIM resource representing the User's manager."),
      str("displayName", "The displayName of the User's manager.", { mutability: "readOnly" }),
    ]),
    str("officeName", "Name of the office to provision the user into. Office matching rule 1."),
    str("physicalDeliveryOfficeName", "Office location. Office matching rule 2."),
    str(
      "licenseType",
      "Phone license type (one of the company's license catalogue) as the identity provider asks for it; repeating it is fine, a change is refused (an admin changes licenses; the telephony extension shows the one in effect).",
      {
        mutability: "immutable",
        caseExact: true,
      },
    ),
  ],
};

const ro: Opts = { mutability: "readOnly" };

export const telephonyUserSchema: SchemaDef = {
  id: SCHEMA.telephony,
  name: "TelephonyUser",
  description: "The outcome of provisioning, read-only: office, phone number, extension, license and status.",
  attributes: [
    complex(
      "office",
      "The office the user was matched to.",
      [str("value", "Office id.", { ...ro, caseExact: true }), str("display", "Office name.", ro)],
      ro,
    ),
    str("matchedBy", "Which rule chose the office.", {
      ...ro,
      canonicalValues: [
        "officeName",
        "physicalDeliveryOfficeName",
        "department",
        "country",
        "closestName",
        "mainOffice",
        "groupRule",
        "admin",
      ],
    }),
    str(
      "matchedValue",
      "The user's value that rule matched (an office name, a country, the pushed group's displayName for groupRule); none for mainOffice and admin.",
      ro,
    ),
    str("matchedRuleId", "For groupRule: the id of the company's group rule that chose the office.", {
      ...ro,
      caseExact: true,
    }),
    str("did", "The user's phone number (E.164). Changed only by an admin.", { ...ro, caseExact: true }),
    str("extension", "The user's extension. Changed only by an admin.", { ...ro, caseExact: true }),
    str("licenseType", "The user's license type in effect (an admin may have changed it).", { ...ro, caseExact: true }),
    str("status", "Provisioning status; held: a deactivation the company's breaker holds for an admin.", {
      ...ro,
      canonicalValues: [...USER_STATUSES],
    }),
    str(
      "error",
      "When failed: a stable error code such as no_number_available; while provisioning waits for group memberships: awaiting_group_rules.",
      { ...ro, caseExact: true },
    ),
  ],
};

export const groupSchema: SchemaDef = {
  id: SCHEMA.group,
  name: "Group",
  description: "Group",
  attributes: [
    str("displayName", "A human-readable name for the Group. Unique per directory.", {
      required: true,
      uniqueness: "server",
    }),
    complex(
      "members",
      "A list of members of the Group.",
      [
        str("value", "Identifier of the member of this Group.", { mutability: "immutable", caseExact: true }),
        reference("$ref", ["User", "Group"], "The URI of the member resource.", { mutability: "immutable" }),
        str("display", "A human-readable name of the member.", { mutability: "readOnly" }),
        str("type", "The type of the member.", { mutability: "immutable", canonicalValues: ["User", "Group"] }),
      ],
      { multiValued: true },
    ),
  ],
};

/** id, externalId and meta (RFC 7643 §3.1), common to every resource. */
export const commonAttributes: AttributeDef[] = [
  str("id", "Unique identifier issued by the service provider.", {
    caseExact: true,
    mutability: "readOnly",
    returned: "always",
    uniqueness: "server",
  }),
  str("externalId", "Identifier issued by the provisioning client.", { caseExact: true }),
  complex(
    "meta",
    "Resource metadata.",
    [
      str("resourceType", "The name of the resource type.", { ...ro, caseExact: true }),
      attr("created", "dateTime", "When the resource was added.", ro),
      attr("lastModified", "dateTime", "When the resource was last updated.", ro),
      reference("location", ["uri"], "The URI of the resource.", ro),
      str("version", "The version (ETag) of the resource.", { ...ro, caseExact: true }),
    ],
    ro,
  ),
];

export const allSchemas: SchemaDef[] = [userSchema, enterpriseUserSchema, telephonyUserSchema, groupSchema];

export type ResourceTypeName = "User" | "Group";

export const resourceTypes: Record<ResourceTypeName, { core: SchemaDef; extensions: SchemaDef[]; endpoint: string }> = {
  User: { core: userSchema, extensions: [enterpriseUserSchema, telephonyUserSchema], endpoint: "/Users" },
  Group: { core: groupSchema, extensions: [], endpoint: "/Groups" },
};

const attributeIndexes = new WeakMap<readonly AttributeDef[], Map<string, AttributeDef>>();

/**
 * Case-insensitive lookup of an attribute among definitions (RFC 7643 §2.1). Indexed once per
 * definition list by the schema's own casing (what clients send, found without lower-casing the name)
 * and by the lower-cased name: every attribute of every body goes through here.
 */
export const findAttribute = (defs: readonly AttributeDef[], name: string): AttributeDef | undefined => {
  if (defs.length === 0) return undefined;
  let index = attributeIndexes.get(defs);
  if (!index) {
    index = new Map();
    for (const d of defs) if (!index.has(d.name.toLowerCase())) index.set(d.name.toLowerCase(), d);
    for (const d of defs) if (!index.has(d.name)) index.set(d.name, d);
    attributeIndexes.set(defs, index);
  }
  return index.get(name) ?? index.get(name.toLowerCase());
};

const extensionsByUrn = Object.fromEntries(
  Object.entries(resourceTypes).map(([type, r]) => [type, new Map(r.extensions.map((s) => [s.id.toLowerCase(), s]))]),
) as Record<ResourceTypeName, Map<string, SchemaDef>>;

/** Case-insensitive lookup of an extension schema URN for a resource type. */
export const findExtension = (type: ResourceTypeName, urn: string): SchemaDef | undefined =>
  extensionsByUrn[type].get(urn.toLowerCase());

/** The extension whose URN prefixes `lower` (an attribute path already lower-cased) with a colon. */
export const qualifiedExtension = (type: ResourceTypeName, lower: string): SchemaDef | undefined => {
  for (const [urn, schema] of extensionsByUrn[type]) {
    if (lower.length > urn.length && lower.charCodeAt(urn.length) === 58 && lower.startsWith(urn)) return schema;
  }
  return undefined;
};
