/**
 * The X12 data element dictionary for the elements the segments of this package use, by version.
 *
 * One entry per data element reference number: its name, type and length as the standard's element
 * dictionary gives them. A segment takes its elements from here, so an element's length is written once.
 * 005010 is 004010 with the changes listed in `CHANGES_005010` (longer Reference Identification and
 * Communication Number, longer segment positions, new elements for the 5010 envelope and acknowledgments).
 *
 * Code lists are given only for the few elements whose list is short, fixed, and certain (the
 * acknowledgment codes). Long external or growing lists (353, 587, 668, 735, 1005…) are deliberately
 * left out: a partial list would reject valid partner files.
 */
import type { ElementType } from '../types.ts';

export interface ElementEntry {
  readonly name: string;
  readonly type: ElementType;
  readonly min: number;
  readonly max: number;
  readonly codes?: readonly string[];
}

type Row = readonly [name: string, type: ElementType, min: number, max: number, codes?: readonly string[]];

/** A functional group / transaction set acknowledgment code (715, 717). */
const ACK_717 = ['A', 'E', 'M', 'R', 'W', 'X'] as const;
const ACK_715 = ['A', 'E', 'M', 'P', 'R', 'W', 'X'] as const;
/** 720 Segment Syntax Error Code: the same eight codes in 004010 and 005010. */
const SEG_ERR_720 = ['1', '2', '3', '4', '5', '6', '7', '8'] as const;
/** 723 Data Element Syntax Error Code in 004010: 1–10. */
const ELEM_ERR_723_4010 = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'] as const;
/** 723 in 005010 adds 12 (too many repetitions) and 13 (too many components); 11 is not assigned. */
const ELEM_ERR_723_5010 = [...ELEM_ERR_723_4010, '12', '13'] as const;

const ROWS_004010: Record<number, Row> = {
  2: ['Number of Accepted Transaction Sets', 'N0', 1, 6],
  19: ['City Name', 'AN', 2, 30],
  22: ['Commodity Code', 'AN', 1, 30],
  23: ['Commodity Code Qualifier', 'ID', 1, 1],
  24: ['Equipment Type', 'ID', 4, 4],
  26: ['Country Code', 'ID', 2, 3],
  28: ['Group Control Number', 'N0', 1, 9],
  40: ['Equipment Description Code', 'ID', 2, 2],
  54: ['Risk of Loss Code', 'ID', 2, 2],
  61: ['Free-Form Message', 'AN', 1, 30],
  65: ['Height', 'R', 1, 8],
  66: ['Identification Code Qualifier', 'ID', 1, 2],
  67: ['Identification Code', 'AN', 2, 80],
  76: ['Invoice Number', 'AN', 1, 22],
  79: ['Lading Description', 'AN', 1, 50],
  80: ['Lading Quantity', 'N0', 1, 7],
  81: ['Weight', 'R', 1, 10],
  82: ['Length', 'R', 1, 8],
  87: ['Marks and Numbers', 'AN', 1, 48],
  88: ['Marks and Numbers Qualifier', 'ID', 1, 2],
  91: ['Transportation Method/Type Code', 'ID', 1, 2],
  92: ['Purchase Order Type Code', 'ID', 2, 2],
  93: ['Name', 'AN', 1, 60],
  96: ['Number of Included Segments', 'N0', 1, 10],
  97: ['Number of Transaction Sets Included', 'N0', 1, 6],
  98: ['Entity Identifier Code', 'ID', 2, 3],
  100: ['Currency Code', 'ID', 3, 3],
  102: ['Ownership Code', 'ID', 1, 1],
  103: ['Packaging Code', 'AN', 3, 5],
  107: ['Payment Method Code', 'ID', 1, 2],
  116: ['Postal Code', 'ID', 3, 15],
  118: ['Rate', 'R', 1, 9],
  123: ['Number of Received Transaction Sets', 'N0', 1, 6],
  127: ['Reference Identification', 'AN', 1, 30],
  128: ['Reference Identification Qualifier', 'ID', 2, 3],
  133: ['Routing Sequence Code', 'ID', 1, 2],
  140: ['Standard Carrier Alpha Code', 'ID', 2, 4],
  143: ['Transaction Set Identifier Code', 'ID', 3, 3],
  146: ['Shipment Method of Payment', 'ID', 2, 2],
  152: ['Special Handling Code', 'ID', 2, 3],
  156: ['State or Province Code', 'ID', 2, 2],
  166: ['Address Information', 'AN', 1, 55],
  183: ['Volume', 'R', 1, 8],
  187: ['Weight Qualifier', 'ID', 1, 2],
  189: ['Width', 'R', 1, 8],
  206: ['Equipment Initial', 'AN', 1, 4],
  207: ['Equipment Number', 'AN', 1, 10],
  208: ['Hazardous Material Code Qualifier', 'ID', 1, 1],
  209: ['Hazardous Material Class Code', 'AN', 1, 4],
  212: ['Unit Price', 'R', 1, 17],
  225: ['Seal Number', 'AN', 2, 15],
  234: ['Product/Service ID', 'AN', 1, 48],
  235: ['Product/Service ID Qualifier', 'ID', 2, 2],
  236: ['Price Identifier Code', 'ID', 3, 3],
  248: ['Allowance or Charge Indicator', 'ID', 1, 1],
  280: ['Exchange Rate', 'R', 4, 10],
  284: ['Service Level Code', 'ID', 2, 2],
  289: ['Multiple Price Quantity', 'N0', 1, 2],
  306: ['Action Code', 'ID', 1, 2],
  309: ['Location Qualifier', 'ID', 1, 2],
  310: ['Location Identifier', 'AN', 1, 30],
  324: ['Purchase Order Number', 'AN', 1, 22],
  325: ['Tax Identification Number', 'AN', 1, 20],
  326: ['Request Reference Number', 'AN', 1, 45],
  327: ['Change Order Sequence Number', 'AN', 1, 8],
  328: ['Release Number', 'AN', 1, 30],
  329: ['Transaction Set Control Number', 'AN', 4, 9],
  330: ['Quantity Ordered', 'R', 1, 15],
  331: ['Allowance or Charge Method of Handling Code', 'ID', 2, 2],
  332: ['Percent', 'R', 1, 6],
  333: ['Terms Basis Date Code', 'ID', 1, 2],
  334: ['Transportation Terms Qualifier Code', 'ID', 2, 2],
  335: ['Transportation Terms Code', 'ID', 3, 3],
  336: ['Terms Type Code', 'ID', 2, 2],
  337: ['Time', 'TM', 4, 8],
  338: ['Terms Discount Percent', 'R', 1, 6],
  342: ['Percent of Invoice Payable', 'R', 1, 5],
  344: ['Unit of Time Period Code', 'ID', 2, 2],
  345: ['Lead Time Code', 'ID', 2, 2],
  347: ['Hash Total', 'R', 1, 10],
  349: ['Item Description Type', 'ID', 1, 1],
  350: ['Assigned Identification', 'AN', 1, 20],
  351: ['Terms Discount Days Due', 'N0', 1, 3],
  352: ['Description', 'AN', 1, 80],
  353: ['Transaction Set Purpose Code', 'ID', 2, 2],
  354: ['Number of Line Items', 'N0', 1, 6],
  355: ['Unit or Basis for Measurement Code', 'ID', 2, 2],
  356: ['Pack', 'N0', 1, 6],
  357: ['Size', 'R', 1, 8],
  358: ['Quantity Invoiced', 'R', 1, 10],
  362: ['Terms Discount Amount', 'N2', 1, 10],
  363: ['Note Reference Code', 'ID', 3, 3],
  364: ['Communication Number', 'AN', 1, 80],
  365: ['Communication Number Qualifier', 'ID', 2, 2],
  366: ['Contact Function Code', 'ID', 2, 2],
  367: ['Contract Number', 'AN', 1, 30],
  368: ['Shipment/Order Status Code', 'ID', 2, 2],
  369: ['Free-form Description', 'AN', 1, 45],
  370: ['Terms Discount Due Date', 'DT', 8, 8],
  371: ['Change Reason Code', 'ID', 2, 2],
  373: ['Date', 'DT', 8, 8],
  374: ['Date/Time Qualifier', 'ID', 3, 3],
  378: ['Allowance/Charge Percent Qualifier', 'ID', 1, 1],
  380: ['Quantity', 'R', 1, 15],
  382: ['Number of Units Shipped', 'R', 1, 10],
  384: ['Gross Weight per Pack', 'R', 1, 9],
  385: ['Gross Volume per Pack', 'R', 1, 9],
  386: ['Terms Net Days', 'N0', 1, 3],
  387: ['Routing', 'AN', 1, 35],
  388: ['Terms Deferred Due Date', 'DT', 8, 8],
  389: ['Deferred Amount Due', 'N2', 1, 10],
  396: ['Shipment Identification', 'AN', 2, 30],
  400: ['Unit Load Option Code', 'ID', 2, 2],
  407: ['Seal Status Code', 'ID', 2, 2],
  441: ['Tax Exempt Code', 'ID', 1, 1],
  443: ['Contact Inquiry Reference', 'AN', 1, 20],
  446: ['Terms Net Due Date', 'DT', 8, 8],
  447: ['Loop Identifier Code', 'AN', 1, 6],
  478: ['Credit/Debit Flag Code', 'ID', 1, 1],
  479: ['Functional Identifier Code', 'ID', 2, 2],
  480: ['Version / Release / Industry Identifier Code', 'AN', 1, 12],
  499: ['Condition Value', 'AN', 1, 10],
  508: ['Account Number', 'AN', 1, 35],
  522: ['Amount Qualifier Code', 'ID', 1, 3],
  559: ['Agency Qualifier Code', 'ID', 2, 2],
  560: ['Special Services Code', 'ID', 2, 10],
  563: ['Sales Requirement Code', 'ID', 1, 2],
  566: ['Product/Service Substitution Code', 'ID', 1, 2],
  587: ['Acknowledgment Type', 'ID', 2, 2],
  610: ['Amount', 'N2', 1, 15],
  623: ['Time Code', 'ID', 2, 2],
  628: ['Hierarchical ID Number', 'AN', 1, 12],
  639: ['Basis of Unit Price Code', 'ID', 2, 2],
  640: ['Transaction Type Code', 'ID', 2, 2],
  641: ['Status Reason Code', 'ID', 3, 3],
  646: ['Quantity Shipped to Date', 'R', 1, 15],
  648: ['Price Multiplier Qualifier', 'ID', 3, 3],
  649: ['Multiplier', 'R', 1, 10],
  662: ['Relationship Code', 'ID', 1, 1],
  668: ['Line Item Status Code', 'ID', 2, 2],
  669: ['Currency Market/Exchange Code', 'ID', 3, 3],
  673: ['Quantity Qualifier', 'ID', 2, 2],
  687: ['Class of Trade Code', 'ID', 2, 2],
  704: ['Paperwork/Report Action Code', 'ID', 1, 2],
  706: ['Entity Relationship Code', 'ID', 2, 2],
  715: ['Functional Group Acknowledge Code', 'ID', 1, 1, ACK_715],
  716: ['Functional Group Syntax Error Code', 'ID', 1, 3],
  717: ['Transaction Set Acknowledgment Code', 'ID', 1, 1, ACK_717],
  718: ['Transaction Set Syntax Error Code', 'ID', 1, 3],
  719: ['Segment Position in Transaction Set', 'N0', 1, 6],
  720: ['Segment Syntax Error Code', 'ID', 1, 3, SEG_ERR_720],
  721: ['Segment ID Code', 'ID', 2, 3],
  722: ['Element Position in Segment', 'N0', 1, 2],
  723: ['Data Element Syntax Error Code', 'ID', 1, 3, ELEM_ERR_723_4010],
  724: ['Copy of Bad Data Element', 'AN', 1, 99],
  725: ['Data Element Reference Number', 'N0', 1, 4],
  728: ['Returnable Container Load Make-Up Code', 'ID', 1, 2],
  731: ['Transit Direction Code', 'ID', 2, 2],
  732: ['Transit Time Direction Qualifier', 'ID', 2, 2],
  733: ['Transit Time', 'R', 1, 4],
  734: ['Hierarchical Parent ID Number', 'AN', 1, 12],
  735: ['Hierarchical Level Code', 'ID', 1, 2],
  736: ['Hierarchical Child Code', 'ID', 1, 1],
  737: ['Measurement Reference ID Code', 'ID', 2, 2],
  738: ['Measurement Qualifier', 'ID', 1, 3],
  739: ['Measurement Value', 'R', 1, 20],
  740: ['Range Minimum', 'R', 1, 20],
  741: ['Range Maximum', 'R', 1, 20],
  750: ['Product/Process Characteristic Code', 'ID', 2, 3],
  751: ['Product Description Code', 'AN', 1, 12],
  752: ['Surface/Layer/Position Code', 'ID', 2, 2],
  753: ['Packaging Characteristic Code', 'ID', 1, 5],
  754: ['Packaging Description Code', 'AN', 1, 7],
  755: ['Report Type Code', 'ID', 2, 2],
  756: ['Report Transmission Code', 'ID', 1, 2],
  757: ['Report Copies Needed', 'N0', 1, 2],
  765: ['Day of Month', 'N0', 1, 2],
  770: ['Option Number', 'AN', 1, 20],
  782: ['Monetary Amount', 'R', 1, 18],
  786: ['Security Level Code', 'ID', 2, 2],
  799: ['Version Identifier', 'AN', 1, 30],
  810: ['Inner Pack', 'N0', 1, 6],
  819: ['Language Code', 'ID', 2, 3],
  822: ['Source Subqualifier', 'AN', 1, 15],
  828: ['Dollar Basis For Percent', 'R', 1, 9],
  933: ['Free-Form Message Text', 'AN', 1, 264],
  934: ['Printer Carriage Control Code', 'ID', 2, 2],
  935: ['Measurement Significance Code', 'ID', 2, 2],
  936: ['Measurement Attribute Code', 'ID', 2, 2],
  954: ['Percent', 'R', 1, 10],
  955: ['Tax Jurisdiction Code Qualifier', 'ID', 2, 2],
  956: ['Tax Jurisdiction Code', 'AN', 1, 10],
  963: ['Tax Type Code', 'ID', 2, 2],
  1004: ['Percent Qualifier', 'ID', 1, 2],
  1000: ['Service Characteristics Qualifier', 'ID', 2, 2],
  1005: ['Hierarchical Structure Code', 'ID', 4, 4],
  1018: ['Exponent', 'R', 1, 15],
  1019: ['Invoice Type Code', 'ID', 3, 3],
  1073: ['Yes/No Condition or Response Code', 'ID', 1, 1],
  1136: ['Code Category', 'ID', 2, 2],
  1166: ['Contract Type Code', 'ID', 2, 2],
  1232: ['Purchase Category', 'ID', 2, 2],
  1250: ['Date Time Period Format Qualifier', 'ID', 2, 3],
  1251: ['Date Time Period', 'AN', 1, 35],
  1270: ['Code List Qualifier Code', 'ID', 1, 3],
  1271: ['Industry Code', 'AN', 1, 30],
  1300: ['Service, Promotion, Allowance, or Charge Code', 'ID', 4, 4],
  1301: ['Agency Service, Promotion, Allowance, or Charge Code', 'AN', 1, 10],
  1321: ['Condition Indicator', 'ID', 2, 3],
  1373: ['Measurement Method or Device', 'ID', 2, 4],
  1470: ['Number', 'N0', 1, 9],
  1525: ['Request Category Code', 'ID', 1, 2],
  1528: ['Component Data Element Position in Composite', 'N0', 1, 2],
};

/** What 005010 changes in, or adds to, the elements above. */
const CHANGES_005010: Record<number, Row> = {
  127: ['Reference Identification', 'AN', 1, 50],
  330: ['Quantity', 'R', 1, 15],
  // 358 Quantity Invoiced: 004010 R 1/10. The 005010 dictionary widens quantities to 1/15; taken as 1/15
  // (the more permissive of the two readings), see the package notes.
  358: ['Quantity Invoiced', 'R', 1, 15],
  364: ['Communication Number', 'AN', 1, 256],
  447: ['Loop Identifier Code', 'AN', 1, 4],
  618: ['Implementation Transaction Set Syntax Error Code', 'ID', 1, 3],
  620: ['Implementation Segment Syntax Error Code', 'ID', 1, 3],
  621: ['Implementation Data Element Syntax Error Code', 'ID', 1, 3],
  719: ['Segment Position in Transaction Set', 'N0', 1, 10],
  723: ['Data Element Syntax Error Code', 'ID', 1, 3, ELEM_ERR_723_5010],
  1551: ['Textual Data', 'AN', 1, 4096],
  1686: ['Repeating Data Element Position', 'N0', 1, 4],
  1705: ['Implementation Convention Reference', 'AN', 1, 35],
  1715: ['Country Subdivision Code', 'ID', 1, 3],
  9998: ['Context Reference', 'AN', 1, 35],
  9999: ['Context Name', 'AN', 1, 35],
};

function toEntries(rows: Record<number, Row>): Record<number, ElementEntry> {
  const out: Record<number, ElementEntry> = {};
  for (const [ref, [name, type, min, max, codes]] of Object.entries(rows)) {
    out[Number(ref)] = codes ? { name, type, min, max, codes } : { name, type, min, max };
  }
  return out;
}

export const ELEMENTS_004010: Readonly<Record<number, ElementEntry>> = toEntries(ROWS_004010);
export const ELEMENTS_005010: Readonly<Record<number, ElementEntry>> = toEntries({
  ...ROWS_004010,
  ...CHANGES_005010,
});

/**
 * The interchange-level elements of TA1 (the dictionary numbers them I12, I08…; they have no numeric
 * reference, so `ref` carries the number after the I).
 */
export const INTERCHANGE_ELEMENTS = {
  I12: { name: 'Interchange Control Number', type: 'N0', min: 9, max: 9 },
  I08: { name: 'Interchange Date', type: 'DT', min: 6, max: 6 },
  I09: { name: 'Interchange Time', type: 'TM', min: 4, max: 4 },
  I17: { name: 'Interchange Acknowledgment Code', type: 'ID', min: 1, max: 1, codes: ['A', 'E', 'R'] },
  I18: {
    name: 'Interchange Note Code',
    type: 'ID',
    min: 3,
    max: 3,
    codes: Array.from({ length: 32 }, (_, i) => String(i).padStart(3, '0')),
  },
} as const satisfies Record<string, ElementEntry>;
