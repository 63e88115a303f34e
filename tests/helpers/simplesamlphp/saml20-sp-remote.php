<?php
// The service providers registered the way an IdP operator registers one: from the SP's own metadata XML
// (tests/helpers/saml_idp.py writes each node's /saml/metadata into sp/). AuthnRequestsSigned and
// WantAssertionsSigned come from that metadata, as SimpleSAMLphp reads them. A NAME.encrypt file beside NAME.xml
// makes the IdP encrypt its assertions to that SP's encryption certificate, as NemLog-in does.
foreach (glob(__DIR__ . '/sp/*.xml') as $file) {
    $entities = \SimpleSAML\Metadata\SAMLParser::parseDescriptorsString(file_get_contents($file));
    foreach ($entities as $entityId => $entity) {
        $metadata[$entityId] = $entity->getMetadata20SP();
        if (file_exists(substr($file, 0, -4) . '.encrypt')) {
            $metadata[$entityId]['assertion.encryption'] = true;
        }
    }
}
