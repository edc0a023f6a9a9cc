/* fhir-kit-client 2.0.3, re-bundled as CommonJS by buildFhirKitClient.cjs with logging removed. Do not edit. */
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// clinflow:silent-logging
function logRequestError() {
}
function logRequestInfo() {
}
function logResponseInfo() {
}
function logError() {
}
var init_silent_logging = __esm({
  "clinflow:silent-logging"() {
  }
});

// node_modules/fhir-kit-client/dist/types.js
var RESPONSE_KEY, REQUEST_KEY;
var init_types = __esm({
  "node_modules/fhir-kit-client/dist/types.js"() {
    RESPONSE_KEY = "__response";
    REQUEST_KEY = "__request";
  }
});

// node_modules/fhir-kit-client/dist/http-client.js
function normalizeSignal(signal) {
  if (signal instanceof AbortSignal)
    return signal;
  const controller = new AbortController();
  if (signal.aborted) {
    controller.abort(signal.reason);
  } else {
    signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}
function stringifyBody(body) {
  if (body === void 0)
    return void 0;
  if (typeof body === "string")
    return body;
  return JSON.stringify(body);
}
function lcKeys(obj) {
  if (!obj)
    return {};
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k.toLowerCase(), v]));
}
function buildResponseError(config) {
  const error = Object.assign(new Error(`HTTP ${config.status}: ${config.method} ${config.url}`), {
    response: { status: config.status, data: config.data },
    config
  });
  logRequestError(error);
  return error;
}
var import_agentkeepalive, HttpsAgent, defaultHeaders, HttpClient;
var init_http_client = __esm({
  "node_modules/fhir-kit-client/dist/http-client.js"() {
    import_agentkeepalive = __toESM(require("agentkeepalive"), 1);
    init_silent_logging();
    init_types();
    ({ HttpsAgent } = import_agentkeepalive.default);
    defaultHeaders = { accept: "application/fhir+json" };
    HttpClient = class {
      baseUrlValue;
      customHeaders;
      baseRequestOptions;
      requestSigner;
      authHeader = {};
      /** Keepalive agents keyed by base URL, reused across requests on this instance. */
      agentCache = /* @__PURE__ */ new Map();
      constructor({ baseUrl, customHeaders = {}, requestOptions = {}, requestSigner }) {
        this.baseUrlValue = "";
        this.baseUrl = baseUrl;
        this.customHeaders = customHeaders;
        this.baseRequestOptions = requestOptions;
        this.requestSigner = requestSigner;
      }
      set baseUrl(url) {
        if (!url)
          throw new Error("baseUrl cannot be blank");
        if (typeof url !== "string")
          throw new Error("baseUrl must be a string");
        this.baseUrlValue = url;
      }
      get baseUrl() {
        return this.baseUrlValue;
      }
      set bearerToken(token) {
        this.authHeader = { authorization: `Bearer ${token}` };
      }
      static responseFor(requestResponse) {
        return requestResponse[RESPONSE_KEY];
      }
      static requestFor(requestResponse) {
        return requestResponse[REQUEST_KEY];
      }
      mergeHeaders(requestHeaders) {
        return {
          ...lcKeys(defaultHeaders),
          ...lcKeys(this.authHeader),
          ...lcKeys(this.customHeaders),
          ...lcKeys(requestHeaders)
        };
      }
      buildAgent() {
        const cached = this.agentCache.get(this.baseUrl);
        if (cached)
          return cached;
        const agent = this.baseUrl.startsWith("https") ? { agent: new HttpsAgent() } : { agent: new import_agentkeepalive.default() };
        this.agentCache.set(this.baseUrl, agent);
        return agent;
      }
      expandUrl(url = "") {
        if (url.toLowerCase().startsWith("http"))
          return url;
        if (this.baseUrl.endsWith("/") && url.startsWith("/"))
          return this.baseUrl + url.slice(1);
        if (this.baseUrl.endsWith("/") || url.startsWith("/"))
          return this.baseUrl + url;
        return `${this.baseUrl}/${url}`;
      }
      async buildRequest(method, url, options, body) {
        const { postSearch: _postSearch, headers: _headers, signal: _signal, ...passthrough } = options;
        const requestInit = {
          ...this.baseRequestOptions,
          method,
          body: stringifyBody(body),
          headers: new Headers(this.mergeHeaders(options.headers)),
          keepalive: true,
          ...this.buildAgent(),
          ...passthrough
        };
        if (options.signal)
          requestInit.signal = normalizeSignal(options.signal);
        if (this.requestSigner) {
          await this.requestSigner(url, requestInit);
        }
        return new Request(url, requestInit);
      }
      async request(method, requestUrl, options = {}, body) {
        const url = this.expandUrl(requestUrl);
        const req = await this.buildRequest(method, url, options, body);
        logRequestInfo(method, url, req.headers);
        const response = await fetch(req);
        const { status } = response;
        logResponseInfo({ status });
        const bodyText = await response.text();
        let data = {};
        if (bodyText) {
          try {
            data = JSON.parse(bodyText);
          } catch {
            const err = buildResponseError({ status, data: bodyText, method, headers: response.headers, url });
            throw err;
          }
        }
        if (!response.ok) {
          throw buildResponseError({ status, data, method, headers: response.headers, url });
        }
        const result = data;
        Object.defineProperty(result, RESPONSE_KEY, { writable: false, enumerable: false, value: response });
        Object.defineProperty(result, REQUEST_KEY, { writable: false, enumerable: false, value: req });
        return result;
      }
      async get(url, options) {
        return this.request("GET", url, options);
      }
      async delete(url, options) {
        return this.request("DELETE", url, options);
      }
      async put(url, body, options = {}) {
        const headers = { "content-type": "application/fhir+json", ...lcKeys(options.headers) };
        return this.request("PUT", url, { ...options, headers }, body);
      }
      async post(url, body, options = {}) {
        const headers = { "content-type": "application/fhir+json", ...lcKeys(options.headers) };
        return this.request("POST", url, { ...options, headers }, body);
      }
      async patch(url, body, options = {}) {
        return this.request("PATCH", url, options, body);
      }
    };
  }
});

// node_modules/fhir-kit-client/dist/pagination.js
var Pagination;
var init_pagination = __esm({
  "node_modules/fhir-kit-client/dist/pagination.js"() {
    Pagination = class {
      httpClient;
      constructor(httpClient) {
        this.httpClient = httpClient;
      }
      nextPage(bundle, options) {
        const link = bundle.link?.find((l) => l.relation === "next");
        return link ? this.httpClient.get(link.url, options) : void 0;
      }
      prevPage(bundle, options) {
        const link = bundle.link?.find((l) => /^prev(ious)?$/.test(l.relation));
        return link ? this.httpClient.get(link.url, options) : void 0;
      }
    };
  }
});

// node_modules/fhir-kit-client/dist/fhir-regular-expressions.js
var fhirReferenceRegEx;
var init_fhir_regular_expressions = __esm({
  "node_modules/fhir-kit-client/dist/fhir-regular-expressions.js"() {
    fhirReferenceRegEx = /^((http|https):\/\/([A-Za-z0-9\\.:%$]*\/)*)?(Account|ActivityDefinition|AdverseEvent|AllergyIntolerance|Appointment|AppointmentResponse|AuditEvent|Basic|Binary|BiologicallyDerivedProduct|BodySite|BodyStructure|Bundle|CapabilityStatement|CarePlan|CareTeam|CatalogEntry|ChargeItem|ChargeItemDefinition|Claim|ClaimResponse|ClinicalImpression|CodeSystem|Communication|CommunicationRequest|CompartmentDefinition|Composition|ConceptMap|Condition|Conformance|Consent|Contract|Coverage|CoverageEligibilityRequest|CoverageEligibilityResponse|DataElement|DecisionSupportRule|DecisionSupportServiceModule|DetectedIssue|Device|DeviceComponent|DeviceDefinition|DeviceMetric|DeviceRequest|DeviceUseRequest|DeviceUseStatement|DiagnosticOrder|DiagnosticReport|DiagnosticRequest|DocumentManifest|DocumentReference|EffectEvidenceSynthesis|EligibilityRequest|EligibilityResponse|Encounter|Endpoint|EnrollmentRequest|EnrollmentResponse|EntryDefinition|EpisodeOfCare|EventDefinition|Evidence|EvidenceVariable|ExampleScenario|ExpansionProfile|ExplanationOfBenefit|FamilyMemberHistory|Flag|Goal|GraphDefinition|Group|GuidanceRequest|GuidanceResponse|HealthcareService|ImagingExcerpt|ImagingManifest|ImagingObjectSelection|ImagingStudy|Immunization|ImmunizationEvaluation|ImmunizationRecommendation|ImplementationGuide|ImplementationGuideInput|ImplementationGuideOutput|InsurancePlan|Invoice|ItemInstance|Library|Linkage|List|Location|Measure|MeasureReport|Media|Medication|MedicationAdministration|MedicationDispense|MedicationKnowledge|MedicationOrder|MedicationRequest|MedicationStatement|MedicinalProduct|MedicinalProductAuthorization|MedicinalProductClinicals|MedicinalProductContraindication|MedicinalProductDeviceSpec|MedicinalProductIndication|MedicinalProductIngredient|MedicinalProductInteraction|MedicinalProductManufactured|MedicinalProductPackaged|MedicinalProductPharmaceutical|MedicinalProductUndesirableEffect|MessageDefinition|MessageHeader|ModuleDefinition|ModuleMetadata|MolecularSequence|NamingSystem|NutritionOrder|NutritionRequest|Observation|ObservationDefinition|OccupationalData|OperationDefinition|OperationOutcome|Order|OrderResponse|OrderSet|Organization|OrganizationAffiliation|OrganizationRole|Patient|PaymentNotice|PaymentReconciliation|Person|PlanDefinition|Practitioner|PractitionerRole|Procedure|ProcedureRequest|ProcessRequest|ProcessResponse|ProductPlan|Protocol|Provenance|Questionnaire|QuestionnaireResponse|ReferralRequest|RelatedPerson|RequestGroup|ResearchDefinition|ResearchElementDefinition|ResearchStudy|ResearchSubject|RiskAssessment|RiskEvidenceSynthesis|Schedule|SearchParameter|Sequence|ServiceDefinition|ServiceRequest|Slot|Specimen|SpecimenDefinition|StructureDefinition|StructureMap|Subscription|Substance|SubstanceNucleicAcid|SubstancePolymer|SubstanceProtein|SubstanceReferenceInformation|SubstanceSourceMaterial|SubstanceSpecification|SupplyDelivery|SupplyRequest|Task|TerminologyCapabilities|TestReport|TestScript|UserSession|ValueSet|VerificationResult|VisionPrescription)\/[A-Za-z0-9\-.]{1,256}(\/_history\/[A-Za-z0-9\-.]{1,256})?$/;
  }
});

// node_modules/fhir-kit-client/dist/utils.js
function splitReference(reference) {
  if (!fhirReferenceRegEx.test(reference)) {
    throw new Error(`${reference} is not a recognized FHIR reference`);
  }
  let baseUrl;
  let relativeReference = reference;
  if (reference.startsWith("http")) {
    const match = fhirReferenceRegEx.exec(reference);
    if (match?.[1]) {
      baseUrl = match[1];
      relativeReference = reference.slice(baseUrl.length);
      if (baseUrl.endsWith("/")) {
        baseUrl = baseUrl.slice(0, -1);
      }
    }
  }
  const [resourceType, id] = relativeReference.split("/");
  return { baseUrl, resourceType, id };
}
function validResourceType(resourceType) {
  if (!resourceType)
    return false;
  return !resourceType.startsWith("/") && !resourceType.includes(":") && /\S/.test(resourceType);
}
function createQueryString(queryParams) {
  if (!queryParams || Object.keys(queryParams).length === 0)
    return void 0;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(queryParams)) {
    if (Array.isArray(value)) {
      for (const v of value) {
        params.append(key, String(v));
      }
    } else {
      params.append(key, String(value));
    }
  }
  return params.toString();
}
var init_utils = __esm({
  "node_modules/fhir-kit-client/dist/utils.js"() {
    init_fhir_regular_expressions();
  }
});

// node_modules/fhir-kit-client/dist/reference-resolver.js
var ReferenceResolver;
var init_reference_resolver = __esm({
  "node_modules/fhir-kit-client/dist/reference-resolver.js"() {
    init_utils();
    ReferenceResolver = class {
      client;
      constructor(client) {
        this.client = client;
      }
      async resolve({ reference, context, options }) {
        if (context === void 0) {
          if (reference.startsWith("http")) {
            return this.resolveAbsoluteReference(reference, options);
          }
          return this.client.httpClient.get(reference, options);
        }
        if (reference.startsWith("#")) {
          return this.resolveContainedReference(reference, context);
        }
        return this.resolveBundleReference(reference, context, options);
      }
      async resolveAbsoluteReference(reference, options) {
        if (reference.startsWith(this.client.baseUrl)) {
          return this.client.httpClient.get(reference, options);
        }
        const { baseUrl, resourceType, id } = splitReference(reference);
        if (!baseUrl) {
          throw new Error(`Unable to resolve absolute reference without a base URL: ${reference}`);
        }
        const { Client: Client2 } = await Promise.resolve().then(() => (init_client(), client_exports));
        return new Client2({ baseUrl }).read({ resourceType, id, options });
      }
      resolveContainedReference(reference, context) {
        const contained = context.contained;
        if (contained) {
          const referenceId = reference.slice(1);
          const resource = contained.find((r) => r.id === referenceId);
          if (resource)
            return resource;
        }
        throw new Error(`Unable to resolve contained reference: ${reference}`);
      }
      async resolveBundleReference(reference, bundle, options) {
        const entries = bundle.entry;
        const referenceRegEx = new RegExp(`(^|/)${reference}$`);
        const entry = entries?.find((e) => e.fullUrl && referenceRegEx.test(e.fullUrl));
        if (!entry?.resource) {
          return this.resolve({ reference, options });
        }
        return entry.resource;
      }
    };
  }
});

// node_modules/fhir-kit-client/dist/smart.js
function authFromCapability(capabilityStatement) {
  const authMetadata = {};
  try {
    const restItems = capabilityStatement.rest;
    if (!restItems)
      return authMetadata;
    for (const restItem of restItems) {
      const uris = restItem.security?.extension?.find((x) => x.url === smartOauthUrl);
      if (!uris?.extension)
        continue;
      for (const ext of uris.extension) {
        if (!ext.valueUri)
          continue;
        switch (ext.url) {
          case "authorize":
            authMetadata.authorizeUrl = new URL(ext.valueUri);
            break;
          case "token":
            authMetadata.tokenUrl = new URL(ext.valueUri);
            break;
          case "register":
            authMetadata.registerUrl = new URL(ext.valueUri);
            break;
          case "manage":
            authMetadata.manageUrl = new URL(ext.valueUri);
            break;
        }
      }
    }
  } catch (error) {
    logError(error);
  }
  return authMetadata;
}
function authFromWellKnown(wellKnown) {
  const config = wellKnown;
  return {
    authorizeUrl: config.authorization_endpoint ? new URL(config.authorization_endpoint) : void 0,
    tokenUrl: config.token_endpoint ? new URL(config.token_endpoint) : void 0,
    registerUrl: config.registration_endpoint ? new URL(config.registration_endpoint) : void 0
  };
}
var smartOauthUrl;
var init_smart = __esm({
  "node_modules/fhir-kit-client/dist/smart.js"() {
    init_silent_logging();
    smartOauthUrl = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
  }
});

// node_modules/fhir-kit-client/dist/client.js
var client_exports = {};
__export(client_exports, {
  Client: () => Client
});
var Client;
var init_client = __esm({
  "node_modules/fhir-kit-client/dist/client.js"() {
    init_http_client();
    init_pagination();
    init_reference_resolver();
    init_smart();
    init_utils();
    Client = class {
      /** Underlying HTTP client — exposed for advanced use cases. */
      httpClient;
      /** Pagination helper. */
      pagination;
      resolver;
      /**
       * @param config - Client configuration. `baseUrl` is required.
       * @throws If `baseUrl` is blank or not a string.
       */
      constructor({ baseUrl, customHeaders, requestOptions, requestSigner, bearerToken } = {}) {
        this.httpClient = new HttpClient({ baseUrl, customHeaders, requestOptions, requestSigner });
        if (bearerToken) {
          this.httpClient.bearerToken = bearerToken;
        }
        this.resolver = new ReferenceResolver(this);
        this.pagination = new Pagination(this.httpClient);
      }
      /**
       * Return the raw `Request` and `Response` objects attached to a FHIR
       * response value by the HTTP layer.
       *
       * @param requestResponse - A FHIR resource returned by any client method.
       * @returns `{ request, response }` — either may be `undefined` for synthetic responses.
       */
      static httpFor(requestResponse) {
        return {
          request: HttpClient.requestFor(requestResponse),
          response: HttpClient.responseFor(requestResponse)
        };
      }
      /** FHIR server base URL. */
      get baseUrl() {
        return this.httpClient.baseUrl;
      }
      set baseUrl(url) {
        this.httpClient.baseUrl = url;
      }
      /** Custom headers sent with every request. */
      get customHeaders() {
        return this.httpClient.customHeaders;
      }
      set customHeaders(headers) {
        this.httpClient.customHeaders = headers;
      }
      /** Set the OAuth2 bearer token used for Authorization headers. */
      set bearerToken(token) {
        this.httpClient.bearerToken = token;
      }
      /**
       * Resolve a FHIR reference to a resource.
       *
       * - **Absolute URL** (`http://...`): fetches directly or creates a new client for a foreign base URL.
       * - **Relative URL** (`Patient/123`): fetches from this client's `baseUrl`.
       * - **Contained reference** (`#id`): resolved from `context.contained[]`.
       * - **Bundle-scoped reference**: resolved from `context.entry[].fullUrl`.
       *
       * @param params.reference - The reference string to resolve.
       * @param params.context - Optional Bundle or resource that may contain the referenced resource.
       * @param params.options - Per-request options.
       * @returns The resolved FHIR resource.
       */
      resolve({ reference, context, options }) {
        return this.resolver.resolve({ reference, context, options });
      }
      /**
       * Fetch SMART OAuth 2.0 authorization metadata from the server.
       *
       * Races three sources simultaneously and resolves with the first successful
       * response: `.well-known/smart-configuration`, `metadata` (CapabilityStatement),
       * and `.well-known/openid-configuration`. Rejects only if all three fail.
       *
       * @param params.options - Per-request options.
       * @returns SMART auth metadata containing `authorizeUrl`, `tokenUrl`, etc.
       */
      async smartAuthMetadata({ options = {} } = {}) {
        const fetchOptions = {
          ...options,
          headers: { accept: "application/fhir+json,application/json", ...options.headers }
        };
        const base = this.baseUrl.replace(/\/*$/, "/");
        const controllers = Array.from({ length: 3 }, () => new AbortController());
        const abortOthers = (winner) => controllers.forEach((c, i) => {
          if (i !== winner)
            c.abort();
        });
        return Promise.any([
          this.httpClient.request("GET", `${base}.well-known/smart-configuration`, { ...fetchOptions, signal: controllers[0].signal }).then((r) => {
            abortOthers(0);
            return authFromWellKnown(r);
          }),
          this.capabilityStatement({ ...fetchOptions, signal: controllers[1].signal }).then((r) => {
            abortOthers(1);
            return authFromCapability(r);
          }),
          this.httpClient.request("GET", `${base}.well-known/openid-configuration`, { ...fetchOptions, signal: controllers[2].signal }).then((r) => {
            abortOthers(2);
            return authFromWellKnown(r);
          })
        ]);
      }
      /**
       * Fetch the server's CapabilityStatement.
       *
       * @param options - Per-request options.
       * @returns The CapabilityStatement resource.
       */
      capabilityStatement(options) {
        return this.httpClient.get("metadata", options);
      }
      /**
       * Execute a raw request against the FHIR server. Useful for endpoints not
       * covered by higher-level methods.
       *
       * @param requestUrl - Path or absolute URL to request.
       * @param params.method - HTTP method (default: `'GET'`).
       * @param params.options - Per-request options.
       * @param params.body - Request body (will be JSON-serialized if an object).
       * @returns The parsed FHIR response.
       *
       * @example
       * ```ts
       * client.request('Patient/123')
       * client.request('Patient/123', { method: 'DELETE' })
       * client.request('Patient', { method: 'POST', body: newPatient })
       * ```
       */
      request(requestUrl, { method = "GET", options = {}, body } = {}) {
        return this.httpClient.request(method, requestUrl, options, body);
      }
      /**
       * Read a resource by type and id (FHIR `read` interaction).
       *
       * @param params.resourceType - FHIR resource type (e.g. `'Patient'`).
       * @param params.id - Resource id.
       * @param params.options - Per-request options.
       * @returns The requested resource.
       * @throws If `resourceType` is invalid or the server returns an error.
       */
      read({ resourceType, id, options }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        return this.httpClient.get(`${resourceType}/${id}`, options);
      }
      /**
       * Read a specific version of a resource (FHIR `vread` interaction).
       *
       * @param params.resourceType - FHIR resource type.
       * @param params.id - Resource id.
       * @param params.version - Version id.
       * @param params.options - Per-request options.
       * @returns The specified version of the resource.
       * @throws If `resourceType` is invalid or the server returns an error.
       */
      vread({ resourceType, id, version, options }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        return this.httpClient.get(`${resourceType}/${id}/_history/${version}`, options);
      }
      /**
       * Create a new resource (FHIR `create` interaction).
       *
       * @param params.resourceType - FHIR resource type.
       * @param params.body - The resource to create.
       * @param params.options - Per-request options.
       * @returns The created resource (with server-assigned id).
       * @throws If `resourceType` is invalid or the server returns an error.
       */
      create({ resourceType, body, options }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        return this.httpClient.post(resourceType, body, options);
      }
      /**
       * Delete a resource by type and id (FHIR `delete` interaction).
       *
       * @param params.resourceType - FHIR resource type.
       * @param params.id - Resource id.
       * @param params.options - Per-request options.
       * @returns The server's response (often an OperationOutcome).
       * @throws If `resourceType` is invalid or the server returns an error.
       */
      delete({ resourceType, id, options }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        return this.httpClient.delete(`${resourceType}/${id}`, options);
      }
      /**
       * Update a resource (FHIR `update` interaction).
       *
       * Supports conditional update via `searchParams` (sets the `If-Match`
       * criteria). Provide either `id` or `searchParams`, not both.
       *
       * @param params.resourceType - FHIR resource type.
       * @param params.id - Resource id (mutually exclusive with `searchParams`).
       * @param params.searchParams - Conditional update criteria (mutually exclusive with `id`).
       * @param params.body - The updated resource.
       * @param params.options - Per-request options.
       * @returns The updated resource.
       * @throws If `resourceType` is invalid, both or neither of `id`/`searchParams` are provided,
       *   or the server returns an error.
       */
      update({ resourceType, id, searchParams, body, options }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        if (id && searchParams)
          throw new Error("Cannot specify both id and searchParams for update");
        if (!id && !searchParams)
          throw new Error("update requires either id or searchParams");
        if (searchParams) {
          const query = createQueryString(searchParams);
          return this.httpClient.put(`${resourceType}?${query}`, body, options);
        }
        return this.httpClient.put(`${resourceType}/${id}`, body, options);
      }
      /**
       * Patch a resource using JSON Patch (RFC 6902) (FHIR `patch` interaction).
       *
       * Sends `Content-Type: application/json-patch+json`.
       *
       * @param params.resourceType - FHIR resource type.
       * @param params.id - Resource id.
       * @param params.jsonPatch - Array of RFC 6902 patch operations.
       * @param params.options - Per-request options.
       * @returns The patched resource.
       * @throws If `resourceType` is invalid or the server returns an error.
       */
      patch({ resourceType, id, jsonPatch, options = {} }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        const headers = { ...options.headers, "Content-Type": "application/json-patch+json" };
        return this.httpClient.patch(`${resourceType}/${id}`, jsonPatch, { ...options, headers });
      }
      /**
       * Submit a batch Bundle (FHIR `batch` interaction).
       *
       * The `body.type` field must be `'batch'`. Each entry is processed
       * independently; partial failures are reported per-entry in the response.
       *
       * @param params.body - A FHIR Bundle resource with `type: 'batch'`.
       * @param params.options - Per-request options.
       * @returns The batch response Bundle.
       */
      batch({ body, options }) {
        return this.httpClient.post("/", body, options);
      }
      /**
       * Submit a transaction Bundle (FHIR `transaction` interaction).
       *
       * The `body.type` field must be `'transaction'`. All entries succeed or
       * fail together (atomic).
       *
       * @param params.body - A FHIR Bundle resource with `type: 'transaction'`.
       * @param params.options - Per-request options.
       * @returns The transaction response Bundle.
       */
      transaction({ body, options }) {
        return this.httpClient.post("/", body, options);
      }
      /**
       * Invoke a FHIR operation (`$name`) at the system, type, or instance level.
       *
       * @param params.name - Operation name with or without leading `$`.
       * @param params.resourceType - Scopes the operation to a resource type (type/instance level).
       * @param params.id - Scopes the operation to a specific instance (instance level).
       * @param params.method - `'GET'` or `'POST'` (default: `'POST'`).
       * @param params.input - Parameters resource (POST) or query parameters (GET).
       * @param params.options - Per-request options.
       * @returns The operation output resource.
       */
      operation({ name, resourceType, id, method = "POST", input, options = {} }) {
        const urlParts = ["/"];
        if (resourceType) {
          if (!validResourceType(resourceType))
            throw new Error(`Invalid resourceType: ${resourceType}`);
          urlParts.push(`${resourceType}/`);
        }
        if (id)
          urlParts.push(`${id}/`);
        urlParts.push(name.startsWith("$") ? name : `$${name}`);
        const url = urlParts.join("");
        if (method === "POST") {
          return this.httpClient.post(url, input, options);
        }
        const getUrl = input ? `${url}?${createQueryString(input)}` : url;
        return this.httpClient.get(getUrl, options);
      }
      /**
       * Return the next page of a Bundle search result.
       *
       * @param params.bundle - A Bundle with a `link` array containing a `next` relation.
       * @param params.options - Per-request options.
       * @returns The next page Bundle, or `undefined` if there is no next page.
       */
      nextPage({ bundle, options }) {
        return this.pagination.nextPage(bundle, options);
      }
      /**
       * Return the previous page of a Bundle search result.
       *
       * @param params.bundle - A Bundle with a `link` array containing a `previous` relation.
       * @param params.options - Per-request options.
       * @returns The previous page Bundle, or `undefined` if there is no previous page.
       */
      prevPage({ bundle, options }) {
        return this.pagination.prevPage(bundle, options);
      }
      /**
       * Search for resources. Dispatches to the appropriate search variant based on parameters:
       *
       * - `compartment + resourceType` → compartment search
       * - `resourceType` only → type-level search
       * - `searchParams` only → system-wide search
       *
       * @param params.resourceType - FHIR resource type.
       * @param params.compartment - Compartment `{ resourceType, id }`.
       * @param params.searchParams - Search query parameters.
       * @param params.options - Per-request options. Set `postSearch: true` to use POST.
       * @returns A search result Bundle.
       * @throws If `resourceType` is invalid or insufficient parameters are provided.
       */
      search({ resourceType, compartment, searchParams, options } = {}) {
        if (resourceType && !validResourceType(resourceType)) {
          throw new Error(`Invalid resourceType: ${resourceType}`);
        }
        if (compartment && resourceType) {
          return this.compartmentSearch({ resourceType, compartment, searchParams, options });
        }
        if (resourceType) {
          return this.resourceSearch({ resourceType, searchParams, options });
        }
        if (searchParams && Object.keys(searchParams).length > 0) {
          return this.systemSearch({ searchParams, options });
        }
        throw new Error("search requires either searchParams or a resourceType");
      }
      /**
       * Search within a specific resource type (FHIR type-level search).
       *
       * @param params.resourceType - FHIR resource type.
       * @param params.searchParams - Query parameters.
       * @param params.options - Per-request options. Set `postSearch: true` to POST to `_search`.
       * @returns A search result Bundle.
       */
      resourceSearch({ resourceType, searchParams, options = {} }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        const searchPath = options.postSearch ? `${resourceType}/_search` : resourceType;
        return this.baseSearch({ searchPath, searchParams, options });
      }
      /**
       * System-wide search across all resource types.
       *
       * @param params.searchParams - Query parameters.
       * @param params.options - Per-request options. Set `postSearch: true` to POST to `/_search`.
       * @returns A search result Bundle.
       */
      systemSearch({ searchParams, options = {} } = {}) {
        const searchPath = options.postSearch ? "/_search" : "/";
        return this.baseSearch({ searchPath, searchParams, options });
      }
      /**
       * Search within a FHIR compartment.
       *
       * @param params.resourceType - Resource type to search within the compartment.
       * @param params.compartment - Compartment `{ resourceType, id }`.
       * @param params.searchParams - Query parameters.
       * @param params.options - Per-request options.
       * @returns A search result Bundle.
       */
      compartmentSearch({ resourceType, compartment, searchParams, options = {} }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        if (!validResourceType(compartment.resourceType)) {
          throw new Error(`Invalid compartment resourceType: ${compartment.resourceType}`);
        }
        let searchPath = `/${compartment.resourceType}/${compartment.id}/${resourceType}`;
        if (options.postSearch)
          searchPath += "/_search";
        return this.baseSearch({ searchPath, searchParams, options });
      }
      baseSearch({ searchPath, searchParams, options = {} }) {
        if (options.postSearch) {
          const query2 = createQueryString(searchParams) ?? "";
          const headers = { "Content-Type": "application/x-www-form-urlencoded", ...options.headers };
          return this.httpClient.post(searchPath, query2, { ...options, headers });
        }
        const query = createQueryString(searchParams);
        const url = query ? `${searchPath}?${query}` : searchPath;
        return this.httpClient.get(url, options);
      }
      /**
       * Retrieve history. Dispatches to instance-, type-, or system-level history
       * based on the parameters provided.
       *
       * @param params.resourceType - Scopes to type or instance history.
       * @param params.id - Combined with `resourceType` for instance history.
       * @param params.options - Per-request options.
       * @returns A history Bundle.
       */
      history({ resourceType, id, options } = {}) {
        if (resourceType && !validResourceType(resourceType)) {
          throw new Error(`Invalid resourceType: ${resourceType}`);
        }
        if (id && resourceType)
          return this.resourceHistory({ resourceType, id, options });
        if (resourceType)
          return this.typeHistory({ resourceType, options });
        return this.systemHistory({ options });
      }
      /**
       * Instance-level history for a specific resource.
       *
       * @param params.resourceType - FHIR resource type.
       * @param params.id - Resource id.
       * @param params.options - Per-request options.
       * @returns A history Bundle.
       */
      resourceHistory({ resourceType, id, options }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        return this.httpClient.get(`${resourceType}/${id}/_history`, options);
      }
      /**
       * Type-level history for all instances of a resource type.
       *
       * @param params.resourceType - FHIR resource type.
       * @param params.options - Per-request options.
       * @returns A history Bundle.
       */
      typeHistory({ resourceType, options }) {
        if (!validResourceType(resourceType))
          throw new Error(`Invalid resourceType: ${resourceType}`);
        return this.httpClient.get(`${resourceType}/_history`, options);
      }
      /**
       * System-level history across all resource types.
       *
       * @param params.options - Per-request options.
       * @returns A history Bundle.
       */
      systemHistory({ options } = {}) {
        return this.httpClient.get("/_history", options);
      }
    };
  }
});

// node_modules/fhir-kit-client/dist/index.js
var index_exports = {};
__export(index_exports, {
  CapabilityTool: () => CapabilityTool,
  Client: () => Client,
  REQUEST_KEY: () => REQUEST_KEY,
  RESPONSE_KEY: () => RESPONSE_KEY,
  splitReference: () => splitReference
});
module.exports = __toCommonJS(index_exports);

// node_modules/fhir-kit-client/dist/capability-tool.js
var CapabilityTool = class {
  capabilityStatement;
  constructor(capabilityStatement) {
    this.capabilityStatement = capabilityStatement;
  }
  /**
   * Check whether a server-level interaction is supported.
   *
   * @param interaction - Interaction code (e.g. `'transaction'`, `'batch'`).
   * @returns `true` if the server advertises the interaction.
   */
  serverCan(interaction) {
    return this.supportFor({ capabilityType: "interaction", where: { code: interaction } });
  }
  /**
   * Check whether a resource-level interaction is supported.
   *
   * @param resource - FHIR resource type (e.g. `'Patient'`).
   * @param interaction - Interaction code (e.g. `'read'`, `'search-type'`).
   * @returns `true` if the resource advertises the interaction.
   */
  resourceCan(resource, interaction) {
    return this.supportFor({ resourceType: resource, capabilityType: "interaction", where: { code: interaction } });
  }
  /**
   * Check whether a server-level search parameter is supported.
   *
   * @param searchParam - Search parameter name.
   * @returns `true` if the server advertises the search parameter.
   */
  serverSearch(searchParam) {
    return this.supportFor({ capabilityType: "searchParam", where: { name: searchParam } });
  }
  /**
   * Check whether a resource-level search parameter is supported.
   *
   * @param resource - FHIR resource type.
   * @param searchParam - Search parameter name.
   * @returns `true` if the resource advertises the search parameter.
   */
  resourceSearch(resource, searchParam) {
    return this.supportFor({ resourceType: resource, capabilityType: "searchParam", where: { name: searchParam } });
  }
  /**
   * General capability check. Returns `true` if the specified capability
   * exists (optionally filtered by a `where` clause).
   *
   * @param params - Capability lookup parameters.
   * @returns `true` if the capability is found.
   */
  supportFor(params) {
    const { resourceType, capabilityType, where } = params ?? {};
    if (!capabilityType)
      return false;
    const capabilities = resourceType ? this.resourceCapabilities({ resourceType }) : this.serverCapabilities();
    if (!capabilities)
      return false;
    const capability = capabilities[capabilityType];
    if (where && capability) {
      const whereKey = Object.keys(where)[0];
      return capability.some((item) => item[whereKey] === where[whereKey]);
    }
    return capability !== void 0;
  }
  /**
   * List interaction codes supported by a resource type.
   *
   * @param params - `{ resourceType }` — the resource type to inspect.
   * @returns Array of interaction code strings (e.g. `['read', 'search-type']`).
   */
  interactionsFor(params) {
    const { resourceType } = params ?? {};
    const caps = resourceType ? this.resourceCapabilities({ resourceType }) : void 0;
    if (!caps?.interaction)
      return [];
    return caps.interaction.map((i) => i.code ?? "");
  }
  /**
   * List search parameter names supported by a resource type.
   *
   * @param params - `{ resourceType }` — the resource type to inspect.
   * @returns Array of search parameter name strings.
   */
  searchParamsFor(params) {
    const { resourceType } = params ?? {};
    const caps = resourceType ? this.resourceCapabilities({ resourceType }) : void 0;
    if (!caps?.searchParam)
      return [];
    return caps.searchParam.map((p) => p.name ?? "");
  }
  /**
   * Return the full capability entry for a given resource type.
   *
   * @param params - `{ resourceType }` — the resource type to look up.
   * @returns The raw capability object, or `undefined` if not found.
   */
  resourceCapabilities(params) {
    const { resourceType } = params ?? {};
    const resources = this.serverCapabilities()?.resource;
    return resources?.find((r) => r.type === resourceType);
  }
  /**
   * Return the raw value of a specific capability category for a resource type.
   *
   * @param params - `{ resourceType, capabilityType }`.
   * @returns The raw capability value (e.g. an array of interaction objects), or `undefined`.
   */
  capabilityContents(params) {
    const { resourceType, capabilityType } = params ?? {};
    if (!resourceType || !capabilityType)
      return void 0;
    const caps = this.resourceCapabilities({ resourceType });
    return caps?.[capabilityType];
  }
  /**
   * Return the server-mode REST capability block from the CapabilityStatement.
   *
   * @returns The server REST capability, or `undefined` if not present.
   */
  serverCapabilities() {
    const rest = this.capabilityStatement.rest;
    return rest?.find((r) => r.mode === "server");
  }
};

// node_modules/fhir-kit-client/dist/index.js
init_client();
init_types();
init_utils();
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  CapabilityTool,
  Client,
  REQUEST_KEY,
  RESPONSE_KEY,
  splitReference
});
